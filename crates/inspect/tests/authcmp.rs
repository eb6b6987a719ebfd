//! Passwords compiled into programs, found by decoding the comparison's call site: C programs
//! with a back-door password are built by the system's C compiler in several forms (PIE and
//! not, `-O0` and `-O2`, through the PLT and without it, each comparison function), and each
//! must give its literal with the login string beside it; programs that compare only switches
//! and method names next to the same login strings must give nothing. AArch64, 32-bit MIPS
//! (little- and big-endian), ARM and 32-bit PowerPC forms are built when Debian's cross
//! compilers (`aarch64-linux-gnu-gcc`, `mipsel-linux-gnu-gcc`, `mips-linux-gnu-gcc`,
//! `arm-linux-gnueabihf-gcc`, `powerpc-linux-gnu-gcc`) are installed, and
//! must be when `NETVET_REQUIRE_CROSS` is set (as `.ci/run` sets it).
//!
//! Without a C compiler the test says so and passes (this machine and CI have gcc).

#![allow(clippy::unwrap_used)]

use std::path::Path;
use std::process::Command;

use netvet_inspect::checks::authcmp::compared_literals;

const BACKDOOR: &str = r#"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
/* The input arrives through a pointer, as from a network buffer: with a local array of
   known size gcc -O2 inlines the comparison as 64-bit immediates (not decoded here). */
__attribute__((noinline)) static int check(const char *buf) { return CMP == 0; }
int main(void) {
    char buf[64];
    fputs("Password: ", stdout);
    if (!fgets(buf, sizeof buf, stdin)) return 1;
    buf[strcspn(buf, "\n")] = 0;
    if (check(buf)) { return system("/bin/sh"); }
    puts("Login incorrect");
    return 1;
}
"#;

const CLEAN: &str = r#"
#include <stdio.h>
#include <string.h>
int main(int argc, char **argv) {
    fputs("Password: ", stdout);
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--verbose") == 0) puts("verbose");
        else if (strcmp(argv[i], "keyboard-interactive") == 0) puts("login method");
        else if (strcmp(argv[i], "PermitRootLogin") == 0) puts("option");
        else if (strcmp(argv[i], "root") == 0) puts("user");
    }
    return 0;
}
"#;

fn build(cc: &str, dir: &Path, name: &str, src: &str, flags: &[&str]) -> Option<Vec<u8>> {
    let c = dir.join(format!("{name}.c"));
    let out = dir.join(name);
    std::fs::write(&c, src).unwrap();
    let st = Command::new(cc)
        .args(flags)
        .arg("-o")
        .arg(&out)
        .arg(&c)
        .status()
        .ok()?;
    assert!(st.success(), "{cc} {flags:?} {name}");
    Some(std::fs::read(&out).unwrap())
}

fn has(cc: &str) -> bool {
    Command::new(cc)
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success())
}

/// The back door in its forms, for one compiler; returns how many were built.
fn variants(cc: &str, extra: &[&str]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let forms: [(&str, &str, &[&str]); 6] = [
        ("strcmp-O0", "strcmp(buf, \"Xr7!backd00r\")", &["-O0"]),
        ("strcmp-O2", "strcmp(buf, \"Xr7!backd00r\")", &["-O2"]),
        ("strncmp", "strncmp(buf, \"Xr7!backd00r\", 12)", &["-O2"]),
        ("strcasecmp", "strcasecmp(\"Xr7!backd00r\", buf)", &["-O2"]),
        (
            "no-pie",
            "strcmp(buf, \"Xr7!backd00r\")",
            &["-O2", "-no-pie", "-fno-pie"],
        ),
        (
            "no-plt",
            "strcmp(buf, \"Xr7!backd00r\")",
            &["-O2", "-fno-plt"],
        ),
    ];
    let mut built = 0;
    for (name, cmp, flags) in forms {
        let flags: Vec<&str> = flags.iter().chain(extra).copied().collect();
        let src = BACKDOOR.replace("CMP", cmp);
        let Some(bin) = build(cc, dir.path(), name, &src, &flags) else {
            continue;
        };
        built += 1;
        let found = compared_literals(&bin);
        assert_eq!(found.len(), 1, "{cc} {name}: {found:?}");
        assert_eq!(found[0].literal, "Xr7!backd00r", "{cc} {name}");
        assert!(
            found[0].context == "Password: " || found[0].context == "Login incorrect",
            "{cc} {name}: context {:?}",
            found[0].context
        );
        let want = cmp.split('(').next().unwrap();
        assert_eq!(found[0].function, want, "{cc} {name}");
    }
    for flags in [&["-O0"][..], &["-O2"], &["-O2", "-fno-plt"]] {
        let flags: Vec<&str> = flags.iter().chain(extra).copied().collect();
        let Some(bin) = build(cc, dir.path(), "clean", CLEAN, &flags) else {
            continue;
        };
        assert_eq!(compared_literals(&bin), vec![], "{cc} clean {flags:?}");
    }
    built
}

/// The input in a local array of known size: gcc -O2 compares it with the literal's bytes as
/// immediates instead of calling `strcmp`.
const INLINED: &str = r#"
#include <stdio.h>
#include <string.h>
#include <stdlib.h>
int main(void) {
    char buf[64];
    fputs("Password: ", stdout);
    if (!fgets(buf, sizeof buf, stdin)) return 1;
    buf[strcspn(buf, "\n")] = 0;
    if (strcmp(buf, "PW") == 0) { return system("/bin/sh"); }
    puts("Login incorrect");
    return 1;
}
"#;

#[test]
fn comparisons_inlined_as_immediates_are_read_on_x86_64() {
    if !cfg!(target_arch = "x86_64") || !has("cc") {
        eprintln!("skipped: needs an x86-64 C compiler");
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // 6 to 16 characters: 4-byte compares, 8-byte movabs/cmp, movabs/xor, byte tails.
    for pw in [
        "xc3511",
        "Zte521!x",
        "Xr7!backd00r",
        "ab12cd34ef",
        "S3cr3t-Passw0rd!",
    ] {
        let bin = build(
            "cc",
            dir.path(),
            "inlined",
            &INLINED.replace("PW", pw),
            &["-O2"],
        )
        .unwrap();
        let found = compared_literals(&bin);
        assert_eq!(found.len(), 1, "{pw}: {found:?}");
        assert_eq!(found[0].literal, pw);
        assert_eq!(found[0].function, netvet_inspect::checks::authcmp::INLINE);
    }
    // Switches compared inline next to the same prompt are not passwords.
    let bin = build(
        "cc",
        dir.path(),
        "inlined-word",
        &INLINED.replace("PW", "--verbose"),
        &["-O2"],
    )
    .unwrap();
    assert_eq!(compared_literals(&bin), vec![]);
}

#[test]
fn backdoor_passwords_are_found_in_every_form_and_switches_are_not() {
    if !has("cc") {
        eprintln!("skipped: no C compiler (cc)");
        return;
    }
    if cfg!(target_arch = "x86_64") {
        assert_eq!(variants("cc", &[]), 6);
    }
    // AArch64, and 32-bit MIPS in both byte orders (routers' most common processor).
    // 32-bit ARM as Debian's armhf compiler builds it (Thumb-2) and in ARM code (`-marm`).
    for (cc, package, extra) in [
        ("aarch64-linux-gnu-gcc", "gcc-aarch64-linux-gnu", &[][..]),
        ("mipsel-linux-gnu-gcc", "gcc-mipsel-linux-gnu", &[]),
        ("mips-linux-gnu-gcc", "gcc-mips-linux-gnu", &[]),
        ("arm-linux-gnueabihf-gcc", "gcc-arm-linux-gnueabihf", &[]),
        (
            "arm-linux-gnueabihf-gcc",
            "gcc-arm-linux-gnueabihf",
            &["-marm"],
        ),
        // 32-bit PowerPC: secure-PLT (Debian's default), the small-model PIE GOT (`bl` to
        // the GOT's `blrl`) and the old BSS-PLT (calls straight into a writable PLT).
        ("powerpc-linux-gnu-gcc", "gcc-powerpc-linux-gnu", &[]),
        ("powerpc-linux-gnu-gcc", "gcc-powerpc-linux-gnu", &["-fpie"]),
        (
            "powerpc-linux-gnu-gcc",
            "gcc-powerpc-linux-gnu",
            &["-mbss-plt"],
        ),
    ] {
        if has(cc) {
            assert_eq!(variants(cc, extra), 6, "{cc} {extra:?}");
        } else {
            assert!(
                std::env::var_os("NETVET_REQUIRE_CROSS").is_none(),
                "{cc} missing (apt-get install {package})"
            );
            eprintln!("{cc} forms skipped: not installed");
        }
    }
}
