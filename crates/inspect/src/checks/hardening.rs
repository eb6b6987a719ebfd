//! Binary hardening of every ELF file: NX, PIE, RELRO, stack canary, FORTIFY, RPATH/RUNPATH,
//! stripped, setuid/setgid, file capabilities and dangerous imports. Summarised per filesystem
//! (one finding per weakness class, listing the binaries) and detailed in the report's
//! `hardening` section, not one finding per binary — except setuid binaries and network
//! daemons, which matter one by one.
//!
//! Relocatable objects (kernel modules, `.o` files) are listed with kind `relocatable` but
//! are not programs the loader maps: NX, PIE, RELRO, canary and FORTIFY do not apply to them,
//! so they are left out of every count and summary. The properties are read the way binutils'
//! `readelf` shows them (checked on real Debian binaries in `tests/hardening_debian.rs`).

use std::collections::BTreeMap;
use std::sync::Mutex;

use goblin::elf::Elf;
use goblin::elf::dynamic::{
    DF_1_NOW, DF_1_PIE, DF_BIND_NOW, DT_FLAGS, DT_FLAGS_1, DT_RPATH, DT_RUNPATH,
};
use goblin::elf::header::{ET_DYN, ET_EXEC, ET_REL};
use goblin::elf::program_header::{PF_X, PT_GNU_RELRO, PT_GNU_STACK, PT_INTERP};
use netvet_model::scan::{BinaryHardening, Hardening};
use netvet_model::{Category, Severity};
use netvet_unpack::Tree;

use super::{Check, Extras};
use crate::check::{CheckInfo, Hit, Sink};
use crate::content::{ContentKind, FileCtx};

const TAGS: &[&str] = &["hardening"];

pub const EXEC_STACK: CheckInfo = CheckInfo {
    id: "nv-hardening-executable-stack",
    title: "Binaries with an executable stack",
    tags: TAGS,
    category: Category::Hardening,
    severity: Severity::Medium,
    cwe: &[119, 693],
    references: &["3gpp:33.117:4.3.3.1.5"],
    remediation: "Build with a non-executable stack (-z noexecstack) and fix code that needs one.",
    description: "Without NX a stack overflow becomes code execution directly.",
};

pub const NO_PIE: CheckInfo = CheckInfo {
    id: "nv-hardening-no-pie",
    title: "Executables built without PIE",
    tags: TAGS,
    category: Category::Hardening,
    severity: Severity::Low,
    cwe: &[693],
    references: &["3gpp:33.117:4.3.3.1.5"],
    remediation: "Build executables with -fPIE -pie so ASLR covers them.",
    description: "Fixed load addresses let exploits rely on known code locations.",
};

pub const NO_CANARY: CheckInfo = CheckInfo {
    id: "nv-hardening-no-canary",
    title: "Binaries without stack protection",
    tags: TAGS,
    category: Category::Hardening,
    severity: Severity::Low,
    cwe: &[693, 121],
    references: &["3gpp:33.117:4.3.3.1.5"],
    remediation: "Build with -fstack-protector-strong.",
    description: "No stack canary: stack buffer overflows are not detected before they return.",
};

pub const NO_RELRO: CheckInfo = CheckInfo {
    id: "nv-hardening-no-relro",
    title: "Binaries without full RELRO",
    tags: TAGS,
    category: Category::Hardening,
    severity: Severity::Info,
    cwe: &[693],
    references: &["3gpp:33.117:4.3.3.1.5"],
    remediation: "Link with -z relro -z now.",
    description: "Writable relocations (GOT) can be overwritten to redirect calls.",
};

pub const DANGEROUS_IMPORTS: CheckInfo = CheckInfo {
    id: "nv-hardening-dangerous-imports",
    title: "Binaries importing dangerous functions",
    tags: TAGS,
    category: Category::Hardening,
    severity: Severity::Low,
    cwe: &[676, 78],
    references: &["3gpp:33.117:4.3.3.1.5"],
    remediation: "Replace gets/strcpy/sprintf with bounded variants; avoid system/popen with external input.",
    description: "Imports of gets, strcpy, sprintf, system or popen mark where memory-safety and command-injection bugs are likely; review the network-facing ones first.",
};

pub const SETUID: CheckInfo = CheckInfo {
    id: "nv-hardening-setuid",
    title: "setuid or setgid binary",
    tags: TAGS,
    category: Category::Hardening,
    severity: Severity::Medium,
    cwe: &[250],
    references: &["3gpp:33.117:4.3.2.7", "3gpp:33.117:4.2.4.1.2.1"],
    remediation: "Remove the setuid bit unless the binary needs it; give it the fewest privileges it needs.",
    description: "A setuid binary runs with its owner's privileges; any bug in it is a privilege escalation.",
};

pub const CAPABILITIES: CheckInfo = CheckInfo {
    id: "nv-hardening-file-capabilities",
    title: "Binary with file capabilities",
    tags: TAGS,
    category: Category::Hardening,
    severity: Severity::Low,
    cwe: &[250],
    references: &["3gpp:33.117:4.3.2.7"],
    remediation: "Check that each capability is needed.",
    description: "File capabilities (security.capability) grant root powers to whoever runs the binary.",
};

const INFOS: &[&CheckInfo] = &[
    &EXEC_STACK,
    &NO_PIE,
    &NO_CANARY,
    &NO_RELRO,
    &DANGEROUS_IMPORTS,
    &SETUID,
    &CAPABILITIES,
];

/// Imports that deserve a look.
const DANGEROUS: &[&str] = &[
    "gets", "strcpy", "strcat", "sprintf", "vsprintf", "system", "popen", "execl", "execlp",
    "execvp", "scanf", "sscanf",
];

/// Analyses one ELF image; `None` when it does not parse.
pub fn analyse(
    path: &str,
    data: &[u8],
    mode: u32,
    caps: Option<String>,
) -> Result<BinaryHardening, String> {
    let elf = Elf::parse(data).map_err(|e| e.to_string())?;
    let ph = &elf.program_headers;
    let interp = ph.iter().any(|p| p.p_type == PT_INTERP);
    let mut flags = 0u64;
    let mut flags1 = 0u64;
    let mut rpath = Vec::new();
    if let Some(d) = &elf.dynamic {
        for e in &d.dyns {
            match e.d_tag {
                DT_FLAGS => flags = e.d_val,
                DT_FLAGS_1 => flags1 = e.d_val,
                DT_RPATH | DT_RUNPATH => {
                    if let Some(s) = elf.dynstrtab.get_at(e.d_val as usize) {
                        rpath.push(s.to_string());
                    }
                }
                _ => {}
            }
        }
    }
    // A static PIE has no interpreter but says PIE in DT_FLAGS_1.
    let kind = match elf.header.e_type {
        ET_EXEC => "executable",
        ET_DYN if interp || flags1 & DF_1_PIE != 0 => "executable",
        ET_DYN => "library",
        ET_REL => "relocatable",
        _ => "other",
    };
    let stack = ph.iter().find(|p| p.p_type == PT_GNU_STACK);
    // No PT_GNU_STACK: the kernel assumes an executable stack on most architectures.
    let nx = stack.is_some_and(|p| p.p_flags & PF_X == 0);
    let pie = elf.header.e_type == ET_DYN && (interp || flags1 & DF_1_PIE != 0);
    let relro = if !ph.iter().any(|p| p.p_type == PT_GNU_RELRO) {
        "none"
    } else if flags & DF_BIND_NOW != 0 || flags1 & DF_1_NOW != 0 {
        "full"
    } else {
        "partial"
    };
    // An import is an undefined (section index 0) non-local symbol. goblin's `is_import`
    // tests the value instead, which misses imports whose address a non-PIE program takes
    // (their value is the PLT slot).
    let mut imports: Vec<&str> = elf
        .dynsyms
        .iter()
        .filter(|s| s.st_shndx == 0 && s.st_bind() != goblin::elf::sym::STB_LOCAL)
        .filter_map(|s| elf.dynstrtab.get_at(s.st_name))
        .filter(|n| !n.is_empty())
        .collect();
    // Statically linked binaries have no imports; look in the symbol table instead.
    if imports.is_empty() {
        imports = elf
            .syms
            .iter()
            .filter_map(|s| elf.strtab.get_at(s.st_name))
            .collect();
    }
    let canary = imports.iter().any(|n| {
        matches!(
            *n,
            "__stack_chk_fail"
                | "__stack_chk_guard"
                | "__stack_smash_handler"
                | "__intel_security_cookie"
        )
    });
    let fortify = imports
        .iter()
        .any(|n| n.starts_with("__") && n.ends_with("_chk") && *n != "__stack_chk_fail");
    let mut dangerous: Vec<String> = imports
        .iter()
        .map(|n| n.split('@').next().unwrap_or(n))
        .filter(|n| DANGEROUS.contains(n))
        .map(str::to_string)
        .collect();
    dangerous.sort();
    dangerous.dedup();
    Ok(BinaryHardening {
        path: path.to_string(),
        kind: kind.into(),
        machine: goblin::elf::header::machine_to_str(elf.header.e_machine).to_string(),
        nx,
        pie,
        relro: relro.into(),
        canary,
        fortify,
        rpath,
        stripped: elf.syms.is_empty(),
        setuid: mode & 0o6000 != 0,
        capabilities: caps,
        dangerous_imports: dangerous,
    })
}

/// Decodes a `security.capability` value into its permitted set, `cap_net_raw+ep` style.
pub fn decode_caps(v: &[u8]) -> String {
    const NAMES: &[&str] = &[
        "cap_chown",
        "cap_dac_override",
        "cap_dac_read_search",
        "cap_fowner",
        "cap_fsetid",
        "cap_kill",
        "cap_setgid",
        "cap_setuid",
        "cap_setpcap",
        "cap_linux_immutable",
        "cap_net_bind_service",
        "cap_net_broadcast",
        "cap_net_admin",
        "cap_net_raw",
        "cap_ipc_lock",
        "cap_ipc_owner",
        "cap_sys_module",
        "cap_sys_rawio",
        "cap_sys_chroot",
        "cap_sys_ptrace",
        "cap_sys_pacct",
        "cap_sys_admin",
        "cap_sys_boot",
        "cap_sys_nice",
        "cap_sys_resource",
        "cap_sys_time",
        "cap_sys_tty_config",
        "cap_mknod",
        "cap_lease",
        "cap_audit_write",
        "cap_audit_control",
        "cap_setfcap",
        "cap_mac_override",
        "cap_mac_admin",
        "cap_syslog",
        "cap_wake_alarm",
        "cap_block_suspend",
        "cap_audit_read",
        "cap_perfmon",
        "cap_bpf",
        "cap_checkpoint_restore",
    ];
    if v.len() < 12 {
        return format!("raw:{}", hex::encode(v));
    }
    let magic = u32::from_le_bytes([v[0], v[1], v[2], v[3]]);
    let effective = magic & 1 != 0;
    let lo = u32::from_le_bytes([v[4], v[5], v[6], v[7]]) as u64;
    let hi = if v.len() >= 20 {
        u32::from_le_bytes([v[12], v[13], v[14], v[15]]) as u64
    } else {
        0
    };
    let permitted = lo | hi << 32;
    let names: Vec<&str> = (0..64)
        .filter(|b| permitted >> b & 1 == 1)
        .map(|b| NAMES.get(b).copied().unwrap_or("cap_unknown"))
        .collect();
    format!("{}+p{}", names.join(","), if effective { "e" } else { "" })
}

/// Programs whose weaknesses matter most: they face the network.
fn network_facing(name: &str) -> bool {
    matches!(
        name,
        "httpd"
            | "lighttpd"
            | "uhttpd"
            | "boa"
            | "goahead"
            | "webs"
            | "mini_httpd"
            | "thttpd"
            | "nginx"
            | "dropbear"
            | "sshd"
            | "telnetd"
            | "utelnetd"
            | "snmpd"
            | "dnsmasq"
            | "miniupnpd"
            | "cwmpd"
            | "vsftpd"
            | "proftpd"
            | "tftpd"
            | "smbd"
            | "busybox"
    )
}

/// The hardening check: collects per-binary results during the pass.
#[derive(Default)]
pub struct HardeningCheck {
    seen: Mutex<Vec<BinaryHardening>>,
}

impl Check for HardeningCheck {
    fn area(&self) -> &'static str {
        "hardening"
    }

    fn infos(&self) -> Vec<&CheckInfo> {
        INFOS.to_vec()
    }

    fn file(&self, ctx: &FileCtx<'_>, sink: &Sink) {
        if ctx.kind != ContentKind::Elf {
            return;
        }
        let caps = ctx
            .entry
            .xattrs
            .iter()
            .find(|(k, _)| k == "security.capability")
            .map(|(_, v)| decode_caps(v));
        match analyse(&ctx.entry.path, ctx.data, ctx.entry.mode, caps) {
            Ok(b) => self.seen.lock().unwrap_or_else(|p| p.into_inner()).push(b),
            Err(e) => sink.error(format!(
                "{}: ELF header does not parse ({e})",
                ctx.entry.path
            )),
        }
    }

    fn finish(&self, _tree: &Tree, sink: &Sink, extras: &mut Extras) {
        let mut all = std::mem::take(&mut *self.seen.lock().unwrap_or_else(|p| p.into_inner()));
        all.sort();
        let mut by_root: BTreeMap<String, Vec<BinaryHardening>> = BTreeMap::new();
        for b in all {
            let root = netvet_unpack::tree::image_root(&b.path).to_string();
            by_root.entry(root).or_default().push(b);
        }
        for (root, bins) in by_root {
            let mut h = Hardening {
                root: root.clone(),
                ..Hardening::default()
            };
            // Only what the loader maps is counted; relocatable objects stay in the details.
            for b in bins
                .iter()
                .filter(|b| b.kind == "executable" || b.kind == "library")
            {
                h.binaries += 1;
                match b.kind.as_str() {
                    "executable" => h.executables += 1,
                    _ => h.libraries += 1,
                }
                h.nx += b.nx as u64;
                h.pie += b.pie as u64;
                h.relro_full += (b.relro == "full") as u64;
                h.relro_partial += (b.relro == "partial") as u64;
                h.canary += b.canary as u64;
                h.fortify += b.fortify as u64;
                h.rpath += !b.rpath.is_empty() as u64;
                h.stripped += b.stripped as u64;
                h.setuid += b.setuid as u64;
                h.capabilities += b.capabilities.is_some() as u64;
                h.with_dangerous_imports += !b.dangerous_imports.is_empty() as u64;
            }
            let list = |pred: &dyn Fn(&BinaryHardening) -> bool| -> Vec<String> {
                bins.iter()
                    .filter(|b| b.kind == "executable" || b.kind == "library")
                    .filter(|b| pred(b))
                    .map(|b| b.path.clone())
                    .collect()
            };
            let summary = |info: &'static CheckInfo, paths: Vec<String>, of: u64, what: &str| {
                if paths.is_empty() {
                    return;
                }
                let n = paths.len();
                let share = n as f64 / of.max(1) as f64;
                let network: Vec<&String> = paths
                    .iter()
                    .filter(|p| network_facing(p.rsplit('/').next().unwrap_or("")))
                    .collect();
                let mut hit = Hit::new(
                    info,
                    &root,
                    "summary",
                    format!(
                        "{n} of {of} {what}{}",
                        if network.is_empty() {
                            String::new()
                        } else {
                            format!(
                                ", network-facing: {}",
                                network
                                    .iter()
                                    .map(|p| p.rsplit('/').next().unwrap_or(""))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            )
                        }
                    ),
                )
                .title(format!("{} ({n} of {of})", info.title))
                .detail("binaries", paths.clone())
                .detail("share", (share * 1000.0).round() / 1000.0);
                // Weakness across most binaries, or in a network daemon, matters more.
                if share > 0.5 || !network.is_empty() {
                    let bumped = match info.severity {
                        Severity::Info => Severity::Low,
                        Severity::Low => Severity::Medium,
                        s => s,
                    };
                    hit = hit.severity(bumped);
                }
                sink.hit(hit);
            };
            let code: Vec<&BinaryHardening> = bins
                .iter()
                .filter(|b| b.kind == "executable" || b.kind == "library")
                .collect();
            let n_code = code.len() as u64;
            summary(
                &EXEC_STACK,
                list(&|b| !b.nx),
                n_code,
                "binaries have an executable stack",
            );
            summary(
                &NO_PIE,
                list(&|b| b.kind == "executable" && !b.pie),
                h.executables,
                "executables are not position-independent",
            );
            summary(
                &NO_CANARY,
                list(&|b| !b.canary),
                n_code,
                "binaries have no stack canary",
            );
            summary(
                &NO_RELRO,
                list(&|b| b.relro != "full"),
                n_code,
                "binaries lack full RELRO",
            );
            let risky: Vec<String> = list(&|b| {
                b.dangerous_imports
                    .iter()
                    .any(|i| i == "gets" || i == "system" || i == "popen" || i == "strcpy")
            });
            summary(
                &DANGEROUS_IMPORTS,
                risky,
                n_code,
                "binaries import gets, strcpy, system or popen",
            );
            for b in bins.iter().filter(|b| b.setuid) {
                let code = b.kind == "executable" || b.kind == "library";
                let weak: Vec<&str> = [
                    (code && !b.nx, "no NX"),
                    (!b.pie && b.kind == "executable", "no PIE"),
                    (code && !b.canary, "no canary"),
                ]
                .iter()
                .filter(|(c, _)| *c)
                .map(|(_, s)| *s)
                .collect();
                sink.hit(
                    Hit::new(
                        &SETUID,
                        &b.path,
                        "setuid",
                        format!(
                            "setuid/setgid {}{}",
                            b.kind,
                            if weak.is_empty() {
                                String::new()
                            } else {
                                format!(" ({})", weak.join(", "))
                            }
                        ),
                    )
                    .severity(if weak.is_empty() {
                        Severity::Low
                    } else {
                        Severity::Medium
                    }),
                );
            }
            for b in bins.iter().filter(|b| b.capabilities.is_some()) {
                sink.hit(Hit::new(
                    &CAPABILITIES,
                    &b.path,
                    "caps",
                    b.capabilities.clone().unwrap_or_default(),
                ));
            }
            h.details = bins;
            extras.hardening.push(h);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decodes_capabilities() {
        // setcap cap_net_raw+ep: VFS_CAP_REVISION_2 | effective, permitted bit 13.
        let mut v = vec![0x01, 0x00, 0x00, 0x02];
        v.extend((1u32 << 13).to_le_bytes());
        v.extend([0u8; 12]);
        assert_eq!(decode_caps(&v), "cap_net_raw+pe");
    }

    #[test]
    fn analyses_this_test_binary() {
        // The test executable itself is a real ELF built by rustc.
        let exe = std::env::current_exe().unwrap();
        let data = std::fs::read(exe).unwrap();
        let b = analyse("self", &data, 0o755, None).unwrap();
        assert_eq!(b.kind, "executable");
        assert!(b.nx);
        assert!(b.pie);
    }

    #[test]
    fn kernel_modules_are_not_counted_as_executables_without_nx() {
        let bin = |path: &str, kind: &str, nx: bool| BinaryHardening {
            path: format!("fw!/{path}"),
            kind: kind.into(),
            nx,
            pie: kind == "executable",
            relro: "full".into(),
            canary: true,
            ..BinaryHardening::default()
        };
        let check = HardeningCheck::default();
        check.seen.lock().unwrap().extend([
            bin("bin/app", "executable", true),
            bin("lib/libx.so", "library", true),
            bin("lib/modules/6.1.0/tun.ko", "relocatable", false),
            bin("lib/modules/6.1.0/tap.ko", "relocatable", false),
        ]);
        let tree = netvet_unpack::open_source(
            "fw",
            std::sync::Arc::new(netvet_unpack::MemSource::new(vec![0u8; 16])),
            &netvet_unpack::Options::default(),
            None,
        );
        let sink = Sink::new();
        let mut extras = Extras::default();
        check.finish(&tree, &sink, &mut extras);
        let h = &extras.hardening[0];
        assert_eq!(
            (h.binaries, h.executables, h.libraries, h.nx, h.canary),
            (2, 1, 1, 2, 2)
        );
        // The modules stay in the details, as relocatable objects.
        assert_eq!(h.details.len(), 4);
        let (findings, _) = sink.into_parts();
        assert!(findings.is_empty(), "{findings:?}");
    }

    #[test]
    fn corrupt_elf_is_an_error() {
        let mut data = b"\x7fELF\x02\x01\x01".to_vec();
        data.resize(64, 0xff);
        assert!(analyse("bad", &data, 0, None).is_err());
    }
}
