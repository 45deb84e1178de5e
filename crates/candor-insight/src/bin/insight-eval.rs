//! Prints the evaluation tables: coach precision/recall per category and
//! language, promise detection, and sentiment accuracy (plain VADER vs the
//! support-adjusted score). `--verbose` lists every miss.

fn main() {
    let verbose = std::env::args().any(|a| a == "--verbose" || a == "-v");
    print!("{}", candor_insight::eval::report(verbose));
}
