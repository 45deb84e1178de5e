//! Prints the evaluation tables: coach precision/recall per category and
//! language, promise detection, and sentiment accuracy (plain VADER vs the
//! support-adjusted score). `--verbose` lists every miss of the development
//! sets (held-out texts are never printed, only their figures). `--cv` prints
//! the cross-validation of the coach's statistical layer on the development
//! sets and its first-use cost; `--coach` reads English replies from standard
//! input, one a line, and prints their findings; `--sweep` the same for a few training
//! parameter sets. `--vader` instead reads lines from standard input and
//! prints VADER's compound score for each (to compare with the reference
//! implementation). `--file PATH [--lang en]` prints the coach's figures on
//! one file alone, rules alone and rules with the layer, and never its texts
//! (for measuring a new held-out round once).

use std::io::BufRead as _;

fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.iter().any(|a| a == "--vader") {
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            println!("{:.4}\t{line}", candor_insight::vader_compound(&line));
        }
        return;
    }
    if args.iter().any(|a| a == "--coach") {
        let mut opts = candor_insight::CoachOptions::new("en");
        opts.check_signature = false;
        for line in std::io::stdin().lock().lines().map_while(Result::ok) {
            println!("{line}");
            for f in candor_insight::coach(&line, &opts) {
                println!("  {} {}..{}: {}", f.category.as_str(), f.start, f.end, f.message);
            }
        }
        return;
    }
    if args.iter().any(|a| a == "--sweep") {
        use candor_insight::eval::cv::{TrainParams, sweep};
        let mut grid = Vec::new();
        for epochs in [10, 20] {
            for rate in [2.0, 4.0] {
                for l2 in [3e-4, 1e-3] {
                    for min_count in [1, 2] {
                        grid.push(TrainParams {
                            epochs,
                            rate,
                            l2,
                            min_count,
                        });
                    }
                }
            }
        }
        print!("{}", sweep(&grid));
        return;
    }
    if args.iter().any(|a| a == "--cv") {
        let opts = candor_insight::CoachOptions::new("en");
        let plain = candor_insight::Coach::standard().with_classifier(false);
        let started = std::time::Instant::now();
        let _ = plain.analyze("You should have read it.", &opts);
        println!("first call, rules only (compiles the rules): {:?}", started.elapsed());
        let started = std::time::Instant::now();
        let _ = candor_insight::analyze_reply("You should have read it.", &opts);
        println!(
            "first call with the statistical layer (trains it): {:?}",
            started.elapsed()
        );
        let (label, train) = candor_insight::eval::cv::training_cost();
        println!("again: labelling the rows {label:?}, training {train:?}");
        let reply =
            "You should have read the guide. Your refund has been processed. We value your business. ".repeat(24);
        for (name, coach) in [
            ("rules only", plain),
            ("with the layer", candor_insight::Coach::standard()),
        ] {
            let started = std::time::Instant::now();
            for _ in 0..200 {
                std::hint::black_box(coach.analyze(std::hint::black_box(&reply), &opts));
            }
            println!("{} bytes, {name}: {:?} per call", reply.len(), started.elapsed() / 200);
        }
        let lang = args
            .iter()
            .skip_while(|a| *a != "--cv")
            .nth(1)
            .map_or("en", String::as_str);
        print!("{}", candor_insight::eval::cv::report(lang));
        return;
    }
    if let Some(path) = args.iter().skip_while(|a| *a != "--file").nth(1) {
        let lang = args
            .iter()
            .skip_while(|a| *a != "--lang")
            .nth(1)
            .map_or("en", String::as_str);
        let src = match std::fs::read_to_string(path) {
            Ok(s) => s,
            Err(e) => {
                eprintln!("--file {path}: {e}");
                std::process::exit(2);
            }
        };
        println!("| coach | category | support | precision | recall |\n| --- | --- | ---: | ---: | ---: |");
        for (name, coach) in [
            ("rules", candor_insight::Coach::standard().with_classifier(false)),
            ("rules + layer", candor_insight::Coach::standard()),
        ] {
            let (scores, _) = candor_insight::eval::evaluate_coach_with(&coach, lang, &src);
            for s in scores.iter().filter(|s| s.support() > 0) {
                println!(
                    "| {name} | {} | {} | {:.2} | {:.2} |",
                    s.category.as_str(),
                    s.support(),
                    s.precision(),
                    s.recall()
                );
            }
        }
        return;
    }
    let verbose = args.iter().any(|a| a == "--verbose" || a == "-v");
    print!("{}", candor_insight::eval::report(verbose));
}
