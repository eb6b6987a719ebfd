//! What an installation needs from the binary: shell completions and a man page, generated
//! from the same command-line definition the binary parses.

#![allow(clippy::unwrap_used)]

use std::process::Command;

fn netvet(args: &[&str]) -> (Option<i32>, String) {
    let o = Command::new(env!("CARGO_BIN_EXE_netvet"))
        .args(args)
        .output()
        .unwrap();
    (o.status.code(), String::from_utf8(o.stdout).unwrap())
}

#[test]
fn completions_and_man_page_cover_every_subcommand() {
    for shell in ["bash", "zsh", "fish"] {
        let (code, text) = netvet(&["completions", shell]);
        assert_eq!(code, Some(0), "{shell}");
        for sub in ["scan", "assess", "network", "db"] {
            assert!(text.contains(sub), "{shell} completion lacks {sub}");
        }
    }
    let (code, man) = netvet(&["man"]);
    assert_eq!(code, Some(0));
    assert!(
        man.contains(".TH netvet 1"),
        "{}",
        man.get(..200).unwrap_or(&man)
    );
    // roff escapes the dashes of options.
    assert!(man.contains("scan") && man.contains("\\-\\-log\\-level"));
    assert_eq!(netvet(&["completions", "tcsh"]).0, Some(2));
}
