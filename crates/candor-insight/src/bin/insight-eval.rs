fn main() {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let lang = args.first().cloned().unwrap_or_default();
    for line in std::io::stdin().lines().map_while(Result::ok) {
        let text = line.replace("\\n", "\n");
        let mut o = candor_insight::CoachOptions::new(&lang);
        o.check_signature = false;
        let r = candor_insight::analyze_reply(&text, &o);
        println!("{text}");
        for f in &r.findings {
            let s: String = text.chars().skip(f.start).take(f.end - f.start).collect();
            println!("   {:?} [{s}]", f.category);
        }
        for p in &r.promises {
            println!("   PROMISE {:?} action=[{}] due={:?} text=[{}]", p.owner, p.action, p.due, p.text);
        }
    }
}
