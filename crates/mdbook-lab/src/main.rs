//! `mdbook-lab`: the mdBook preprocessor that turns `consensus-lab` blocks into live runs.
//! mdBook runs it as `mdbook-lab supports RENDERER`, then with the book as JSON on stdin; a bad
//! block stops the build with its chapter, line and reason.
//!
//! In book.toml: `[preprocessor.lab] command = "..."`, and `lab-url`, the lab's address from
//! the book's root (default `../`: the book in the `book/` folder of the app's site).

use mdbook_preprocessor::book::BookItem;
use std::process::ExitCode;

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("supports") {
        // Raw HTML in Markdown: only the HTML renderer shows it.
        return if args.get(1).map(String::as_str) == Some("html") {
            ExitCode::SUCCESS
        } else {
            ExitCode::FAILURE
        };
    }
    let (ctx, mut book) = match mdbook_preprocessor::parse_input(std::io::stdin()) {
        Ok(input) => input,
        Err(e) => {
            eprintln!("mdbook-lab: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let lab: String = match ctx.config.get("preprocessor.lab.lab-url") {
        Ok(v) => v.unwrap_or_else(|| "../".to_string()),
        Err(e) => {
            eprintln!("mdbook-lab: preprocessor.lab.lab-url: {e:#}");
            return ExitCode::FAILURE;
        }
    };
    let mut errors = Vec::new();
    book.for_each_mut(|item| {
        let BookItem::Chapter(ch) = item else { return };
        let path = ch
            .source_path
            .clone()
            .or(ch.path.clone())
            .unwrap_or_default();
        let depth = path.components().count().saturating_sub(1);
        match mdbook_lab::chapter(&ch.content, &mdbook_lab::lab_from(&lab, depth)) {
            Ok(c) => ch.content = c,
            Err(es) => errors.extend(es.into_iter().map(|e| format!("{}: {e}", path.display()))),
        }
    });
    if !errors.is_empty() {
        for e in &errors {
            eprintln!("mdbook-lab: {e}");
        }
        return ExitCode::FAILURE;
    }
    match serde_json::to_writer(std::io::stdout(), &book) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("mdbook-lab: {e}");
            ExitCode::FAILURE
        }
    }
}
