//! Update paths: scripts that fetch an image over the network and write it to flash (or hand
//! it to an upgrade tool told to skip its checks) without verifying a signature first. That is
//! the unsigned update path TS 33.117 4.2.3.3.5 ("software package integrity") and the German
//! catalogue's signed-updates requirement exclude: whoever can answer the download — or sit on
//! the path to the server — chooses the firmware.
//!
//! The check reads shell scripts (a `#!` line naming a shell, or a `.sh`/`.cgi` name), finds
//! in each the commands that download (`wget`, `curl`, `tftp`, `ftpget`, `scp`), the commands
//! that write an image (`mtd write`, `flashcp`, `nandwrite`, `ubiupdatevol`, `dd of=/dev/mtd…`
//! or `of=/dev/mmcblk…`, `sysupgrade -F`/`--force`), and the commands that verify one
//! (`openssl dgst -verify`, `openssl pkeyutl -verify`, `openssl smime -verify`, `gpg --verify`,
//! `gpgv`, `usign -V`, `signify -V`, `minisign -V`, `ecdsaverify`, `rsa_verify`, `fwtool`), and
//! reports a script that has the first two and none of the third. A checksum (`md5sum`,
//! `sha256sum`) is not a signature: anyone who can replace the image can replace its sum.

use netvet_model::{Category, Severity};

use super::Check;
use super::services::program;
use crate::check::{CheckInfo, Hit, Sink};
use crate::content::{ContentKind, FileCtx};
use netvet_shell::{EvalLimits, Evaluator};

pub const UNVERIFIED_FLASH: CheckInfo = CheckInfo {
    id: "nv-update-unverified-flash",
    title: "Script downloads an image and writes it to flash without verifying a signature",
    tags: &["updates", "integrity"],
    category: Category::Integrity,
    severity: Severity::High,
    cwe: &[494, 347],
    references: &["3gpp:33.117:4.2.3.3.5"],
    remediation: "Verify the image's signature with a key built into the device (openssl dgst -verify, usign, signify) before writing it, and fetch updates over an authenticated channel.",
    description: "An update path that downloads an image and flashes it without a signature check lets anyone who controls the server, the network path or the URL install their own firmware. Checksums do not help: whoever replaces the image replaces its checksum.",
};

/// Largest script read.
const MAX_SCRIPT_BYTES: usize = 1 << 20;

/// The update-path check.
pub struct Updates;

impl Check for Updates {
    fn area(&self) -> &'static str {
        "updates"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        vec![&UNVERIFIED_FLASH]
    }

    fn file(&self, ctx: &FileCtx<'_>, sink: &Sink) {
        if ctx.kind != ContentKind::Text || ctx.data.len() > MAX_SCRIPT_BYTES {
            return;
        }
        let path = ctx.fs_path();
        let named = path.ends_with(".sh") || path.ends_with(".cgi");
        let shebang = ctx
            .data
            .split(|b| *b == b'\n')
            .next()
            .and_then(|l| l.strip_prefix(b"#!"))
            .is_some_and(|l| {
                let l = String::from_utf8_lossy(l);
                let mut w = l.split_whitespace();
                let first = w.next().unwrap_or("");
                let interp = if first.ends_with("/env") {
                    w.next().unwrap_or("")
                } else {
                    first
                };
                matches!(
                    interp.rsplit('/').next().unwrap_or(""),
                    "sh" | "ash" | "bash" | "dash" | "hush" | "ksh"
                )
            });
        if !named && !shebang {
            return;
        }
        let text = ctx.lossy();
        if let Some(found) = analyse(text) {
            sink.hit(
                Hit::new(
                    &UNVERIFIED_FLASH,
                    &ctx.entry.path,
                    "flash",
                    found.flash_text.clone(),
                )
                .line(found.flash_line)
                .title(format!(
                    "{path} downloads an image (line {}) and writes it to flash (line {}) without verifying a signature",
                    found.download_line, found.flash_line
                ))
                .detail("download_line", found.download_line)
                .detail("flash_line", found.flash_line),
            );
        }
    }
}

/// Where a script downloads and flashes, when it never verifies.
#[derive(Debug, PartialEq)]
struct Found {
    download_line: usize,
    flash_line: usize,
    flash_text: String,
}

fn analyse(text: &str) -> Option<Found> {
    let mut download = None;
    let mut flash: Option<(usize, String)> = None;
    // Every command the script runs (functions, subshells, pipelines…), in order.
    let mut e = Evaluator::new(EvalLimits::default(), &|_| None);
    e.run_file("", text, &[]);
    for inv in &e.invocations {
        let Some((prog, args)) = program(&inv.argv) else {
            continue;
        };
        let prog = prog.rsplit('/').next().unwrap_or(&prog).to_string();
        if verifies(&prog, &args) {
            return None;
        }
        if download.is_none() && downloads(&prog) {
            download = Some(inv.line);
        }
        if flash.is_none() && writes_image(&prog, &args) {
            let line = text.lines().nth(inv.line.saturating_sub(1)).unwrap_or("");
            flash = Some((inv.line, line.trim().chars().take(200).collect()));
        }
    }
    let (flash_line, flash_text) = flash?;
    Some(Found {
        download_line: download?,
        flash_line,
        flash_text,
    })
}

fn downloads(prog: &str) -> bool {
    // `program` has already stripped launchers such as `busybox wget`.
    matches!(
        prog,
        "wget" | "curl" | "tftp" | "atftp" | "ftpget" | "scp" | "uclient-fetch" | "fetch"
    )
}

fn writes_image(prog: &str, args: &[String]) -> bool {
    let has = |w: &str| args.iter().any(|a| a == w);
    match prog {
        "mtd" => has("write"),
        "flashcp" | "nandwrite" | "ubiupdatevol" | "flash_erase_write" | "fw_upgrade" => true,
        "dd" => args.iter().any(|a| {
            a.strip_prefix("of=").is_some_and(|d| {
                d.starts_with("/dev/mtd")
                    || d.starts_with("/dev/mmcblk")
                    || d.starts_with("/dev/nand")
                    || d.starts_with("/dev/sd")
            })
        }),
        "sysupgrade" => has("-F") || has("--force"),
        _ => false,
    }
}

fn verifies(prog: &str, args: &[String]) -> bool {
    let has = |w: &str| args.iter().any(|a| a == w);
    match prog {
        // `dgst`, `pkeyutl`, `smime` and `cms` all verify with `-verify`.
        "openssl" => has("-verify"),
        "gpg" | "gpg2" => has("--verify"),
        "gpgv" | "gpgv2" | "ecdsaverify" | "rsa_verify" | "verify_signature" | "fwtool" => true,
        "usign" | "signify" | "minisign" => has("-V"),
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn download_then_flash_without_a_signature_is_found() {
        let s = "#!/bin/sh\nURL=http://updates.example/fw.bin\nwget -q -O /tmp/fw.bin \"$URL\"\nmd5sum -c /tmp/fw.md5 || exit 1\nmtd -r write /tmp/fw.bin firmware\n";
        let f = analyse(s).expect("found");
        assert_eq!((f.download_line, f.flash_line), (3, 5));
        assert!(f.flash_text.contains("mtd -r write"));
        let dd = "curl -s -o /tmp/i http://x/i && dd if=/tmp/i of=/dev/mtdblock3 bs=64k\n";
        assert!(analyse(dd).is_some());
        assert!(analyse("tftp -g -r fw.bin 10.0.0.1; sysupgrade -F /tmp/fw.bin\n").is_some());
    }

    #[test]
    fn a_signature_check_or_no_download_is_not_found() {
        let signed = "wget -O /tmp/fw.bin http://u/fw.bin\nwget -O /tmp/fw.sig http://u/fw.sig\nopenssl dgst -sha256 -verify /etc/fw.pub -signature /tmp/fw.sig /tmp/fw.bin || exit 1\nmtd write /tmp/fw.bin firmware\n";
        assert_eq!(analyse(signed), None);
        assert_eq!(
            analyse("usign -V -m /tmp/fw.bin -P /etc/keys\nwget http://u/x; mtd write /tmp/x fw\n"),
            None
        );
        // Flashing a local file is not a network update path.
        assert_eq!(analyse("mtd write /tmp/uploaded.bin firmware\n"), None);
        // sysupgrade checks the image itself unless forced.
        assert_eq!(
            analyse("wget -O /tmp/f http://u/f\nsysupgrade /tmp/f\n"),
            None
        );
        // A comment is not a command.
        assert_eq!(analyse("# wget http://u/f && mtd write /tmp/f fw\n"), None);
    }
}
