//! Prints the evaluation tables: coach precision/recall per category and
//! language, promise detection, and sentiment accuracy (plain VADER vs the
//! support-adjusted score). `--verbose` lists every miss of the development
//! sets (held-out texts are never printed, only their figures). `--vader` instead
//! reads lines from standard input and prints VADER's compound score for
//! each (to compare with the reference implementation).

use std::io::BufRead as _;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--vader") {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            println!("{:.4}\t{line}", candor_insight::vader_compound(&line));
        }
        return;
    }
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    print!("{}", candor_insight::eval::report(verbose));
}
