//! Passwords compiled into programs: a string literal handed to a comparison function
//! (`strcmp`, `strncmp`, `strcasecmp`, `strncasecmp`, `memcmp`, `bcmp`) at a call site whose
//! neighbourhood also uses login or password strings — the shape of `if (!strcmp(input,
//! "s3cr3t")) shell();`.
//!
//! The call sites are decoded, not guessed from string proximity: for x86-64, `call rel32`
//! to a PLT stub (found by decoding the stubs' `jmp [rip+GOT]`) or `call [rip+GOT]`
//! (`-fno-plt`), or to a comparison function's own symbol in a static binary, with the
//! arguments' `lea reg, [rip+disp32]` / `mov reg, imm32` (or a register copy of one) before
//! it; for AArch64, `bl` to a stub (`adrp x16; ldr x17, [x16, #off]`) or symbol, or `blr` of
//! a register loaded from the GOT (`-fno-plt`), with `adrp`/`add` pairs into x0 and x1.
//! A literal only counts when it resolves into a read-only loaded segment as a printable,
//! NUL-terminated string. Comparisons gcc inlines as immediates (a local array of known size
//! compared with a short literal: `movabs reg, imm64; cmp [rsp], reg`, `cmp dword [rsp+3],
//! imm32`) are read on x86-64 by putting the immediates together by displacement. For 32-bit
//! MIPS (either byte order), `jalr $t9` with `$t9` loaded from the comparison function's
//! global GOT entry (`lw $t9, %call16(strcmp)($gp)`, `$gp` being the GOT plus 0x7ff0), or
//! `jal` to its symbol, with the literal built in `$a0`/`$a1` from a local GOT page entry or a
//! `lui` and an `addiu` — the instruction in the call's delay slot included, as it runs first.
//! For 32-bit ARM (little-endian), in Thumb-2 and in ARM code alike (without mapping symbols
//! the code is read both ways): `bl`/`blx` to a PLT stub (`add ip, pc; add ip, ip; ldr pc,
//! [ip, #off]!`) or symbol, with `r0`/`r1` from a PC-relative literal (`ldr rN, [pc, #off]`,
//! plus `add rN, pc` in position-independent code) or `movw`/`movt`. For 32-bit PowerPC
//! (big-endian, as in carrier routers' e500 and e6500 parts running 32-bit code): `bl` to a
//! call stub (`lwz r11, off(r30)` or `lis r11`/`addis r11, r30` then `lwz r11`; `mtctr r11;
//! bctr`: secure-PLT, position-independent or not) or straight into the PLT (BSS-PLT) or to a
//! symbol, or `bctrl` after loading the GOT entry into CTR (`-fno-plt`), with `r3`/`r4` built
//! by `lis`/`addi` or loaded from the GOT through `r30` (set by `bcl 20,31` and `mflr r30`,
//! or by `bl` to the GOT's `blrl`), the GOT words relocated with their `R_PPC_RELATIVE`
//! addends. 64-bit PowerPC and big-endian ARM are not decoded; no finding is made for them
//! rather than a guess.
//!
//! Bounded: at most `MAX_CODE` bytes of code are swept, `MAX_SITES` results kept.

use std::collections::{BTreeMap, HashMap};

use goblin::elf::Elf;
use goblin::elf::header::{EM_AARCH64, EM_ARM, EM_MIPS, EM_PPC, EM_X86_64};
use goblin::elf::program_header::{PF_W, PF_X, PT_LOAD};

/// Comparison functions whose literal argument is reported.
const COMPARE: [&str; 6] = [
    "strcmp",
    "strncmp",
    "strcasecmp",
    "strncasecmp",
    "memcmp",
    "bcmp",
];

/// Code swept per file.
const MAX_CODE: usize = 64 << 20;
/// Results kept per file.
const MAX_SITES: usize = 20;
/// Bytes of code before and after a call searched for login or password strings.
const CONTEXT: u64 = 768;
/// Bytes of code within which two comparisons with literals make a chain.
const CHAIN: u64 = 192;

/// One literal compared at a call site.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Compared {
    /// The literal, as in the binary.
    pub literal: String,
    /// The comparison function called.
    pub function: &'static str,
    /// Virtual address of the call instruction.
    pub call_at: u64,
    /// File offset of the call instruction.
    pub offset: u64,
    /// The login or password string used near the call.
    pub context: String,
    /// `x86-64`, `aarch64`, `mips`, `arm` or `ppc`.
    pub arch: &'static str,
}

/// A loaded segment: virtual address range and where its bytes are in the file.
struct Segment {
    vaddr: u64,
    file_off: u64,
    file_len: u64,
    exec: bool,
    writable: bool,
}

struct Image<'a> {
    data: &'a [u8],
    segments: Vec<Segment>,
    big_endian: bool,
    /// Words the dynamic loader sets to the object's address plus an addend (PowerPC's
    /// `R_PPC_RELATIVE`), by their address: the file holds no useful value there.
    relative: HashMap<u64, u64>,
}

impl Image<'_> {
    fn file_offset(&self, va: u64) -> Option<(usize, &Segment)> {
        self.segments.iter().find_map(|s| {
            let rel = va.checked_sub(s.vaddr)?;
            (rel < s.file_len)
                .then(|| usize::try_from(s.file_off + rel).ok())
                .flatten()
                .map(|o| (o, s))
        })
    }

    /// The printable NUL-terminated string at `va` in a read-only segment.
    fn string_at(&self, va: u64) -> Option<&str> {
        let (off, seg) = self.file_offset(va)?;
        if seg.writable {
            return None;
        }
        let tail = self.data.get(off..)?;
        let tail = &tail[..tail.len().min(129)];
        let end = tail.iter().position(|&b| b == 0)?;
        let s = &tail[..end];
        if s.is_empty()
            || !s
                .iter()
                .all(|b| (0x20..0x7f).contains(b) || b"\t\r\n".contains(b))
        {
            return None;
        }
        std::str::from_utf8(s).ok()
    }

    fn u32_at(&self, off: usize) -> Option<u32> {
        let b = self.data.get(off..off.checked_add(4)?)?;
        let b = [b[0], b[1], b[2], b[3]];
        Some(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    /// The word the program sees at address `va` once loaded: a relocated value, else the
    /// file's.
    fn loaded_word(&self, va: u64) -> Option<u64> {
        if let Some(&v) = self.relative.get(&va) {
            return Some(v);
        }
        let (off, _) = self.file_offset(va)?;
        self.u32_at(off).map(u64::from)
    }

    fn i32_at(&self, off: usize) -> Option<i64> {
        self.u32_at(off).map(|v| i64::from(v as i32))
    }

    /// Executable segments as (file offset range, vaddr of its start), capped in total.
    fn code(&self) -> Vec<(usize, usize, u64)> {
        let mut budget = MAX_CODE;
        let mut out = Vec::new();
        for s in self.segments.iter().filter(|s| s.exec) {
            let (Ok(start), Ok(len)) = (usize::try_from(s.file_off), usize::try_from(s.file_len))
            else {
                continue;
            };
            let len = len.min(budget).min(self.data.len().saturating_sub(start));
            if len == 0 {
                continue;
            }
            budget -= len;
            out.push((start, start + len, s.vaddr));
        }
        out
    }
}

/// Import name without its symbol version (`strcmp@GLIBC_2.2.5`).
fn base_name(n: &str) -> &str {
    n.split('@').next().unwrap_or(n)
}

fn compare_fn(name: &str) -> Option<&'static str> {
    let n = base_name(name);
    COMPARE.iter().copied().find(|c| *c == n)
}

/// GOT slots (from dynamic relocations) and direct addresses (from symbols) of the
/// comparison functions.
fn targets(elf: &Elf<'_>) -> (HashMap<u64, &'static str>, HashMap<u64, &'static str>) {
    let mut slots = HashMap::new();
    for r in elf
        .pltrelocs
        .iter()
        .chain(elf.dynrelas.iter())
        .chain(elf.dynrels.iter())
    {
        let Some(sym) = elf.dynsyms.get(r.r_sym) else {
            continue;
        };
        if let Some(f) = elf.dynstrtab.get_at(sym.st_name).and_then(compare_fn) {
            slots.insert(r.r_offset, f);
        }
    }
    let mut direct = HashMap::new();
    for sym in elf.syms.iter() {
        if sym.st_value != 0
            && sym.is_function()
            && let Some(f) = elf.strtab.get_at(sym.st_name).and_then(compare_fn)
        {
            direct.insert(sym.st_value, f);
        }
    }
    (slots, direct)
}

/// What login or password code mentions: the words password, passwd, passphrase or login
/// standing alone (not `authority`, `loginctl`, `SSH_AUTH_SOCK`), in a message rather than a
/// path.
fn is_context(s: &str) -> bool {
    if s.contains('/') && !s.contains(' ') {
        return false;
    }
    let l = s.to_ascii_lowercase();
    let b = l.as_bytes();
    ["password", "passwd", "passphrase", "login"]
        .iter()
        .any(|w| {
            l.match_indices(w).any(|(at, _)| {
                let before = at.checked_sub(1).map(|i| b[i]);
                let after = b.get(at + w.len()).copied();
                // "logins", "passwords" and "login:" count; "loginctl" and "xpassword" do not.
                before.is_none_or(|c| !c.is_ascii_alphanumeric())
                    && after.is_none_or(|c| !c.is_ascii_alphanumeric() || c == b's')
            })
        })
}

/// Words compared in every program (answers, switches, account and method names) rather
/// than passwords.
const COMMON: &[&str] = &[
    "true", "false", "none", "null", "enable", "enabled", "disable", "disabled", "root", "admin",
    "user", "guest", "nobody", "daemon", "default", "local", "remote", "yes", "help",
];

/// Whether a compared literal can be a password: no whitespace, not a switch, format, path,
/// assignment or URL; not a lowercase word or identifier (method, option and protocol names
/// are compared everywhere); not itself a login word.
fn credential_like(s: &str) -> bool {
    let n = s.len();
    if !(4..=48).contains(&n)
        || s.bytes().any(|b| b.is_ascii_whitespace())
        || s.starts_with(['-', '/', '.', '+', '$'])
        || s.ends_with(':')
        || s.contains(['%', '=', '/', '<', '>', '@', ','])
        || s.contains("://")
        || is_context(s)
        || COMMON.contains(&s.to_ascii_lowercase().as_str())
    {
        return false;
    }
    // All digits: a PIN-like password from six digits on (shorter ones are codes and
    // counts); digits and dots are versions and OIDs.
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return n >= 6;
    }
    if s.bytes().all(|b| b.is_ascii_digit() || b == b'.') {
        return false;
    }
    // What is left once punctuation around it goes (`*NP*`).
    let core = s.trim_matches(|c: char| !c.is_ascii_alphanumeric());
    let ident = |extra: &[u8]| {
        core.bytes()
            .all(|b| b.is_ascii_alphanumeric() || extra.contains(&b))
    };
    let has_digit = core.bytes().any(|b| b.is_ascii_digit());
    let lower = core.bytes().all(|b| !b.is_ascii_uppercase());
    let upper = core.bytes().all(|b| !b.is_ascii_lowercase());
    // Dotted names (`C.UTF-8`, `org.freedesktop.systemd1.NoSuchUnit`).
    let dotted = core.contains('.') && core.bytes().any(|b| b.is_ascii_alphabetic());
    if !ident(b"-_.") {
        // Punctuation inside: `Xr7!backd00r`.
        return !dotted;
    }
    // Names of three parts or more (`WFA-SimpleConfig-Registrar-1-0`) are identifiers.
    if !has_digit || dotted || (upper && ident(b"_-")) || core.split(['-', '_']).count() >= 3 {
        // Letters alone are words and names (`PermitRootLogin`, `userSetAuthPass`, samba's
        // `zWrLeh`); capitals with digits are algorithm and constant names (`SHA256`).
        return false;
    }
    // Lowercase identifiers count only as one run with two digits or more (`xc3511`; not
    // `keyboard-interactive`, `scram-sha-256`, `tpm2`, `eth0`); mixed case does (`Zte521`,
    // `7ujMko0admin`).
    !lower || (ident(b"") && core.bytes().filter(u8::is_ascii_digit).count() >= 2)
}

/// Literals compared at call sites near login or password strings, in an x86-64, AArch64,
/// 32-bit MIPS, ARM or PowerPC ELF file (other files and architectures give none).
pub fn compared_literals(data: &[u8]) -> Vec<Compared> {
    // Every result needs a login or password string beside its call (`is_context`): a file
    // without one of those words anywhere is not decoded (most libraries and tools).
    static CONTEXT_WORD: std::sync::LazyLock<Option<regex::bytes::Regex>> =
        std::sync::LazyLock::new(|| {
            regex::bytes::Regex::new("(?i)pass(word|wd|phrase)|login").ok()
        });
    if !CONTEXT_WORD.as_ref().is_none_or(|re| re.is_match(data)) {
        return Vec::new();
    }
    let Ok(elf) = Elf::parse(data) else {
        return Vec::new();
    };
    let arch = match (elf.header.e_machine, elf.is_64, elf.little_endian) {
        (EM_X86_64, true, true) => "x86-64",
        (EM_AARCH64, true, true) => "aarch64",
        (EM_MIPS, false, _) => "mips",
        (EM_ARM, false, true) => "arm",
        (EM_PPC, false, false) => "ppc",
        _ => return Vec::new(),
    };
    let segments = elf
        .program_headers
        .iter()
        .filter(|p| p.p_type == PT_LOAD)
        .map(|p| Segment {
            vaddr: p.p_vaddr,
            file_off: p.p_offset,
            file_len: p.p_filesz,
            exec: p.p_flags & PF_X != 0,
            writable: p.p_flags & PF_W != 0,
        })
        .collect();
    let relative = if arch == "ppc" {
        elf.dynrelas
            .iter()
            .filter(|r| r.r_type == R_PPC_RELATIVE)
            .filter_map(|r| Some((r.r_offset, u64::try_from(r.r_addend?).ok()?)))
            .collect()
    } else {
        HashMap::new()
    };
    let img = Image {
        data,
        segments,
        big_endian: !elf.little_endian,
        relative,
    };
    let (mut slots, direct) = targets(&elf);
    if arch == "mips" {
        slots.extend(mips_got_slots(&elf));
    }
    // Without a comparison function to call, only inlined comparisons (x86-64) remain.
    if slots.is_empty() && direct.is_empty() && arch != "x86-64" {
        return Vec::new();
    }
    let (sites, refs) = match arch {
        "x86-64" => x86_64(&img, &slots, &direct),
        "aarch64" => aarch64(&img, &slots, &direct),
        "arm" => arm32(&img, &slots, &direct),
        "ppc" => ppc32(&img, &slots, &direct),
        _ => mips(&img, mips_gp(&elf), &slots, &direct),
    };
    // A literal compared in a chain of comparisons with other literals is a keyword being
    // dispatched on (`if (!strcmp(m, "fido2")) … else if (!strcmp(m, "tpm2"))`), not a
    // password: a back door compares its secret on its own.
    let literal_calls: Vec<u64> = sites
        .iter()
        .filter(|s| s.inline.is_some() || s.args.iter().any(|&va| img.string_at(va).is_some()))
        .map(|s| s.call_at)
        .collect();
    let chained = |at: u64| {
        literal_calls
            .iter()
            .any(|&other| other != at && other.abs_diff(at) <= CHAIN)
    };
    let mut out: Vec<Compared> = Vec::new();
    for site in sites {
        if chained(site.call_at) {
            continue;
        }
        let Some(context) = refs
            .range(site.call_at.saturating_sub(CONTEXT)..site.call_at.saturating_add(CONTEXT))
            .find_map(|(_, va)| img.string_at(*va).filter(|s| is_context(s)))
        else {
            continue;
        };
        let literals = site
            .args
            .iter()
            .filter_map(|&va| img.string_at(va))
            .chain(site.inline.as_deref());
        for lit in literals {
            if !credential_like(lit) {
                continue;
            }
            if out.iter().any(|c| c.literal == lit) {
                continue;
            }
            out.push(Compared {
                literal: lit.to_string(),
                function: site.function,
                call_at: site.call_at,
                offset: site.offset,
                context: context.to_string(),
                arch,
            });
        }
        if out.len() >= MAX_SITES {
            break;
        }
    }
    out
}

/// A call to a comparison function with the addresses loaded into its first two arguments.
struct Site {
    function: &'static str,
    call_at: u64,
    offset: u64,
    args: Vec<u64>,
    /// The literal itself, for a comparison the compiler inlined as immediates.
    inline: Option<String>,
}

/// What an inlined comparison is reported as calling.
pub const INLINE: &str = "inlined comparison";

/// Call sites, and every address loaded by a string-referencing instruction (by the
/// instruction's address) for the context search.
type Decoded = (Vec<Site>, BTreeMap<u64, u64>);

/// An x86-64 instruction that sets a register: an address, or another register's value.
#[derive(Clone, Copy)]
enum Load {
    Addr(u8, u64),
    Copy(u8, u8),
}

/// The address `reg` holds just before `before`, from the nearest instruction setting it
/// at or after `floor` (following up to `depth` register copies).
fn resolve(
    loads: &BTreeMap<u64, Load>,
    reg: u8,
    before: u64,
    floor: u64,
    depth: u8,
) -> Option<u64> {
    let (&at, load) = loads.range(floor..before).rev().find(|(_, l)| match l {
        Load::Addr(r, _) | Load::Copy(r, _) => *r == reg,
    })?;
    match *load {
        Load::Addr(_, t) => Some(t),
        Load::Copy(_, src) if depth > 0 => resolve(loads, src, at, floor, depth - 1),
        Load::Copy(..) => None,
    }
}

fn x86_64(
    img: &Image<'_>,
    slots: &HashMap<u64, &'static str>,
    direct: &HashMap<u64, &'static str>,
) -> Decoded {
    let code = img.code();
    let d = img.data;
    // PLT stubs: `jmp [rip+disp32]` (ff 25) whose slot is a comparison function's, entered
    // at the jmp or at an `endbr64` / `bnd` prefix before it.
    let mut entry: HashMap<u64, &'static str> = direct.clone();
    for &(start, end, va0) in &code {
        for i in start..end.saturating_sub(6) {
            if d[i] != 0xff || d[i + 1] != 0x25 {
                continue;
            }
            let Some(disp) = img.i32_at(i + 2) else {
                continue;
            };
            let va = va0 + (i - start) as u64;
            let slot = (va as i64 + 6 + disp) as u64;
            if let Some(&f) = slots.get(&slot) {
                entry.insert(va, f);
                if i > start && d[i - 1] == 0xf2 {
                    entry.insert(va - 1, f);
                    if i >= start + 5 && d[i - 5..i - 1] == [0xf3, 0x0f, 0x1e, 0xfa] {
                        entry.insert(va - 5, f);
                    }
                }
                if i >= start + 4 && d[i - 4..i] == [0xf3, 0x0f, 0x1e, 0xfa] {
                    entry.insert(va - 4, f);
                }
            }
        }
    }
    // Calls to the comparison functions, and comparisons inlined as immediates.
    let mut sites = Vec::new();
    for &(start, end, va0) in &code {
        for i in start..end.saturating_sub(6) {
            let va = va0 + (i - start) as u64;
            let f = match d[i] {
                0xe8 => img
                    .i32_at(i + 1)
                    .and_then(|rel| entry.get(&((va as i64 + 5 + rel) as u64)).copied()),
                0xff if d[i + 1] == 0x15 => img
                    .i32_at(i + 2)
                    .and_then(|disp| slots.get(&((va as i64 + 6 + disp) as u64)).copied()),
                _ => None,
            };
            if let Some(function) = f {
                sites.push(Site {
                    function,
                    call_at: va,
                    offset: i as u64,
                    args: Vec::new(),
                    inline: None,
                });
            }
        }
        sites.extend(inline_comparisons(d, start, end, va0));
    }
    // Address loads are decoded only where they are read: around each site, for its
    // arguments (the 48 bytes before a call) and the login strings beside it.
    let mut loads: BTreeMap<u64, Load> = BTreeMap::new();
    let mut refs = BTreeMap::new();
    for &(start, end, va0) in &code {
        let mut windows: Vec<(usize, usize)> = sites
            .iter()
            .filter_map(|s| usize::try_from(s.offset).ok())
            .filter(|&o| (start..end).contains(&o))
            .map(|o| {
                let r = CONTEXT as usize;
                (o.saturating_sub(r).max(start), (o + r).min(end))
            })
            .collect();
        windows.sort_unstable();
        let mut merged: Vec<(usize, usize)> = Vec::new();
        for (a, b) in windows {
            match merged.last_mut() {
                Some(last) if a <= last.1 => last.1 = last.1.max(b),
                _ => merged.push((a, b)),
            }
        }
        for (a, b) in merged {
            x86_loads(
                img,
                a..b.min(end.saturating_sub(7)),
                start,
                va0,
                &mut loads,
                &mut refs,
            );
        }
    }
    for site in sites.iter_mut().filter(|s| s.inline.is_none()) {
        // What rdi (7) and rsi (6) hold at the call.
        let va = site.call_at;
        site.args = [7u8, 6]
            .iter()
            .filter_map(|&r| resolve(&loads, r, va, va.saturating_sub(48), 3))
            .collect();
    }
    (sites, refs)
}

/// Loads of addresses at the code offsets `range` of a segment starting at file offset
/// `start` and address `va0`: `lea r64, [rip+disp32]` (REX.W 8d /r, mod 00 r/m 101) and
/// `mov r32, imm32` (b8+r) into the argument registers, and register copies (`mov r64, r64`,
/// as -O0 code passes a literal through another register), by instruction address; every
/// address loaded also goes to `refs`.
fn x86_loads(
    img: &Image<'_>,
    range: std::ops::Range<usize>,
    start: usize,
    va0: u64,
    loads: &mut BTreeMap<u64, Load>,
    refs: &mut BTreeMap<u64, u64>,
) {
    let d = img.data;
    for i in range {
        let va = va0 + (i - start) as u64;
        let rex = d[i];
        if (rex == 0x48 || rex == 0x4c) && d[i + 1] == 0x8d && d[i + 2] & 0xc7 == 0x05 {
            let Some(disp) = img.i32_at(i + 3) else {
                continue;
            };
            let target = (va as i64 + 7 + disp) as u64;
            let reg = ((d[i + 2] >> 3) & 7) + if rex == 0x4c { 8 } else { 0 };
            loads.insert(va, Load::Addr(reg, target));
            refs.insert(va, target);
        } else if rex & 0xf8 == 0x48 && (d[i + 1] == 0x89 || d[i + 1] == 0x8b) && d[i + 2] >= 0xc0 {
            let m = d[i + 2];
            let reg = ((m >> 3) & 7) + if rex & 4 != 0 { 8 } else { 0 };
            let rm = (m & 7) + if rex & 1 != 0 { 8 } else { 0 };
            let (dst, src) = if d[i + 1] == 0x89 {
                (rm, reg)
            } else {
                (reg, rm)
            };
            loads.insert(va, Load::Copy(dst, src));
        } else if rex == 0xbe || rex == 0xbf {
            let Some(imm) = img.u32_at(i + 1) else {
                continue;
            };
            loads.insert(va, Load::Addr(rex - 0xb8, u64::from(imm)));
            refs.insert(va, u64::from(imm));
        }
    }
}

/// A memory operand `[base + disp]` after an opcode: its base register, displacement and
/// length (ModRM, SIB, displacement). Register operands, RIP-relative and indexed forms give
/// `None`.
fn memory_operand(d: &[u8], at: usize, rex: u8) -> Option<(u8, i64, usize)> {
    let m = *d.get(at)?;
    let (mode, rm) = (m >> 6, m & 7);
    if mode == 3 || (mode == 0 && rm == 5) {
        return None;
    }
    let mut len = 1;
    let base = if rm == 4 {
        let sib = *d.get(at + 1)?;
        len += 1;
        let (index, base) = ((sib >> 3) & 7, sib & 7);
        if index != 4 || (base == 5 && mode == 0) {
            return None;
        }
        base
    } else {
        rm
    };
    let disp = match mode {
        0 => 0,
        1 => i64::from(*d.get(at + len)? as i8),
        _ => {
            let b = d.get(at + len..at + len + 4)?;
            i64::from(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        }
    };
    len += [0, 1, 4][usize::from(mode)];
    Some((base + if rex & 1 != 0 { 8 } else { 0 }, disp, len))
}

/// Comparisons gcc inlined as immediates (`strcmp(buf, "…")` against a local array of known
/// size): `movabs reg, imm64` then `cmp`/`xor` of that register with `[base+disp]`, and
/// `cmp dword/word/byte [base+disp], imm`. Pieces on one base within 64 bytes of code are put
/// together by displacement; a literal is what they spell up to its NUL, when they agree where
/// they overlap and leave no gap.
fn inline_comparisons(d: &[u8], start: usize, end: usize, va0: u64) -> Vec<Site> {
    // (code offset, base register, displacement, bytes)
    let mut pieces: Vec<(usize, u8, i64, Vec<u8>)> = Vec::new();
    let mut movabs: [Option<(usize, [u8; 8])>; 16] = [None; 16];
    let mut i = start;
    while i + 3 < end {
        let b = &d[i..end.min(i + 16)];
        let rex = if b[0] & 0xf0 == 0x40 { b[0] } else { 0 };
        let op = if rex != 0 { &b[1..] } else { b };
        if rex & 0x08 != 0 && op.len() >= 9 && op[0] & 0xf8 == 0xb8 {
            let reg = (op[0] & 7) + if rex & 1 != 0 { 8 } else { 0 };
            let mut imm = [0u8; 8];
            imm.copy_from_slice(&op[1..9]);
            movabs[usize::from(reg)] = Some((i, imm));
        } else if rex & 0x08 != 0 && op.len() >= 2 && matches!(op[0], 0x39 | 0x3b | 0x31 | 0x33) {
            let reg = ((op[1] >> 3) & 7) + if rex & 4 != 0 { 8 } else { 0 };
            if let Some((base, disp, _)) = memory_operand(d, i + 2, rex)
                && let Some((at, imm)) = movabs[usize::from(reg)]
                && i - at <= 24
            {
                pieces.push((i, base, disp, imm.to_vec()));
            }
        } else if rex & 0x08 == 0
            && op.len() >= 2
            && matches!(op[0], 0x80 | 0x81)
            && (op[1] >> 3) & 7 == 7
        {
            // An operand-size prefix before (and before the REX) makes it a word.
            let wide = i > start && d[i - 1] == 0x66;
            let at = i + if rex != 0 { 2 } else { 1 };
            if let Some((base, disp, len)) = memory_operand(d, at, rex) {
                let n = match (op[0], wide) {
                    (0x80, _) => 1,
                    (_, true) => 2,
                    _ => 4,
                };
                if let Some(imm) = d.get(at + len..at + len + n) {
                    pieces.push((i, base, disp, imm.to_vec()));
                }
            }
        }
        i += 1;
    }
    let mut out = Vec::new();
    let mut k = 0;
    while k < pieces.len() {
        let (first, base, ..) = pieces[k];
        let group: Vec<&(usize, u8, i64, Vec<u8>)> = pieces[k..]
            .iter()
            .take_while(|p| p.0 - first <= 64)
            .filter(|p| p.1 == base)
            .collect();
        let taken = pieces[k..].iter().take_while(|p| p.0 - first <= 64).count();
        k += taken.max(1);
        if let Some(literal) = spelled(&group) {
            out.push(Site {
                function: INLINE,
                call_at: va0 + (first - start) as u64,
                offset: first as u64,
                args: Vec::new(),
                inline: Some(literal),
            });
        }
    }
    out
}

/// The string pieces at displacements spell, up to its NUL (printable, no gap, overlaps
/// agreeing, at least six characters).
fn spelled(group: &[&(usize, u8, i64, Vec<u8>)]) -> Option<String> {
    let lo = group.iter().map(|p| p.2).min()?;
    let hi = group.iter().map(|p| p.2 + p.3.len() as i64).max()?;
    if hi - lo > 64 {
        return None;
    }
    let mut buf: Vec<Option<u8>> = vec![None; usize::try_from(hi - lo).ok()?];
    for (_, _, disp, bytes) in group {
        for (j, &byte) in bytes.iter().enumerate() {
            let slot = buf.get_mut(usize::try_from(disp - lo).ok()? + j)?;
            match slot {
                Some(old) if *old != byte => return None,
                _ => *slot = Some(byte),
            }
        }
    }
    let mut text = Vec::new();
    for b in buf {
        match b? {
            0 => break,
            c if (0x21..0x7f).contains(&c) => text.push(c),
            _ => return None,
        }
    }
    (text.len() >= 6)
        .then(|| String::from_utf8(text).ok())
        .flatten()
}

fn aarch64(
    img: &Image<'_>,
    slots: &HashMap<u64, &'static str>,
    direct: &HashMap<u64, &'static str>,
) -> Decoded {
    let code = img.code();
    let word = |off: usize| img.u32_at(off);
    let adrp = |w: u32, pc: u64| -> Option<(u32, u64)> {
        (w & 0x9f00_0000 == 0x9000_0000).then(|| {
            let immlo = u64::from((w >> 29) & 3);
            let immhi = u64::from((w >> 5) & 0x7_ffff);
            let imm = ((immhi << 2) | immlo) << 12;
            // Sign-extend the 33-bit offset.
            let imm = ((imm << 31) as i64 >> 31) as u64;
            (w & 31, (pc & !0xfff).wrapping_add(imm))
        })
    };
    // PLT stubs: `adrp x16, page` then `ldr x17, [x16, #imm]` naming a comparison
    // function's GOT slot; entered there or at a `bti c` before it.
    let mut entry: HashMap<u64, &'static str> = direct.clone();
    for &(start, end, va0) in &code {
        let mut i = start + (4 - (start % 4)) % 4;
        while i + 8 <= end {
            let pc = va0 + (i - start) as u64;
            if let (Some(w), Some(next)) = (word(i), word(i + 4))
                && let Some((16, page)) = adrp(w, pc)
                && next & 0xffc0_03ff == 0xf940_0211
            {
                let slot = page + u64::from((next >> 10) & 0xfff) * 8;
                if let Some(&f) = slots.get(&slot) {
                    entry.insert(pc, f);
                    if i >= start + 4 && word(i - 4) == Some(0xd503_245f) {
                        entry.insert(pc - 4, f);
                    }
                }
            }
            i += 4;
        }
    }
    let mut refs = BTreeMap::new();
    let mut sites = Vec::new();
    for &(start, end, va0) in &code {
        let mut i = start + (4 - (start % 4)) % 4;
        // Register values known from the last adrp (and add) in straight-line order.
        let mut page: [Option<(u64, u64)>; 32] = [None; 32];
        let mut value: [Option<(u64, u64)>; 32] = [None; 32];
        // GOT slots loaded into a register (`adrp; ldr xN, [xN, #off]`), for `-fno-plt`
        // calls (`blr xN`).
        let mut slot_of: [Option<u64>; 32] = [None; 32];
        while i + 4 <= end {
            let pc = va0 + (i - start) as u64;
            let Some(w) = word(i) else { break };
            if let Some((rd, p)) = adrp(w, pc) {
                page[rd as usize] = Some((pc, p));
                value[rd as usize] = Some((pc, p));
            } else if w & 0xff80_0000 == 0x9100_0000 {
                // add xd, xn, #imm12 (optionally << 12)
                let rd = (w & 31) as usize;
                let rn = ((w >> 5) & 31) as usize;
                let shift = if w & (1 << 22) != 0 { 12 } else { 0 };
                let imm = u64::from((w >> 10) & 0xfff) << shift;
                if let Some((_, p)) = page[rn] {
                    let t = p.wrapping_add(imm);
                    value[rd] = Some((pc, t));
                    refs.insert(pc, t);
                } else {
                    value[rd] = None;
                }
            } else if w & 0xffc0_0000 == 0xf940_0000 {
                // ldr xt, [xn, #imm12 * 8]
                let rt = (w & 31) as usize;
                let rn = ((w >> 5) & 31) as usize;
                slot_of[rt] = page[rn].map(|(_, p)| p + u64::from((w >> 10) & 0xfff) * 8);
                value[rt] = None;
                page[rt] = None;
            } else if w & 0xfc00_0000 == 0x9400_0000 || w & 0xffff_fc1f == 0xd63f_0000 {
                // bl imm26, or blr xn
                let function = if w & 0xfc00_0000 == 0x9400_0000 {
                    let off = (((w & 0x03ff_ffff) << 6) as i32 >> 4) as i64;
                    entry.get(&((pc as i64 + off) as u64)).copied()
                } else {
                    slot_of[((w >> 5) & 31) as usize].and_then(|s| slots.get(&s).copied())
                };
                if let Some(function) = function {
                    let args = [0usize, 1]
                        .iter()
                        .filter_map(|&r| value[r].filter(|(at, _)| pc - at <= 64).map(|v| v.1))
                        .collect();
                    sites.push(Site {
                        function,
                        call_at: pc,
                        offset: i as u64,
                        args,
                        inline: None,
                    });
                }
                // The call clobbers the argument registers.
                page = [None; 32];
                value = [None; 32];
                slot_of = [None; 32];
            }
            i += 4;
        }
    }
    (sites, refs)
}

/// `DT_MIPS_LOCAL_GOTNO` and `DT_MIPS_GOTSYM`: the GOT's local entries come first, then one
/// entry per dynamic symbol from `GOTSYM` on.
const DT_MIPS_LOCAL_GOTNO: u64 = 0x7000_000a;
const DT_MIPS_GOTSYM: u64 = 0x7000_0013;

fn dynamic_value(elf: &Elf<'_>, tag: u64) -> Option<u64> {
    elf.dynamic
        .as_ref()?
        .dyns
        .iter()
        .find(|d| d.d_tag == tag)
        .map(|d| d.d_val)
}

/// The GOT of a MIPS object: its address and how many local entries it has.
fn mips_got(elf: &Elf<'_>) -> Option<(u64, u64)> {
    Some((
        dynamic_value(elf, goblin::elf::dynamic::DT_PLTGOT)?,
        dynamic_value(elf, DT_MIPS_LOCAL_GOTNO)?,
    ))
}

/// `$gp` in a MIPS object with one GOT: the GOT's address plus 0x7ff0 (what every function's
/// prologue computes), with the number of local GOT entries.
fn mips_gp(elf: &Elf<'_>) -> Option<(u64, u64, u64)> {
    let (got, local) = mips_got(elf)?;
    Some((got.wrapping_add(0x7ff0), got, local))
}

/// The global GOT entries of comparison functions (by the entry's address).
fn mips_got_slots(elf: &Elf<'_>) -> HashMap<u64, &'static str> {
    let mut out = HashMap::new();
    let (Some((got, local)), Some(gotsym)) = (mips_got(elf), dynamic_value(elf, DT_MIPS_GOTSYM))
    else {
        return out;
    };
    let Ok(first) = usize::try_from(gotsym) else {
        return out;
    };
    for (i, sym) in elf.dynsyms.iter().enumerate().skip(first) {
        if let Some(f) = elf.dynstrtab.get_at(sym.st_name).and_then(compare_fn) {
            let index = local + (i - first) as u64;
            out.insert(got.wrapping_add(index * 4), f);
        }
    }
    out
}

/// MIPS registers by number.
const MIPS_A0: usize = 4;
const MIPS_A1: usize = 5;
const MIPS_GP: u32 = 28;
const MIPS_RA: u32 = 31;

/// What one MIPS or PowerPC register is known to hold.
#[derive(Clone, Copy, Default)]
struct Reg {
    /// An address, and where it was set.
    value: Option<(u64, u64)>,
    /// A comparison function (its GOT entry was loaded).
    function: Option<&'static str>,
}

/// A call to `function` at `pc` (file offset `off`), its arguments the addresses `args` hold
/// when they were set within `window` bytes before `before`.
fn reg_site(
    function: &'static str,
    args: [&Reg; 2],
    pc: u64,
    off: usize,
    before: u64,
    window: u64,
) -> Site {
    Site {
        function,
        call_at: pc,
        offset: off as u64,
        args: args
            .iter()
            .filter_map(|r| r.value.filter(|(at, _)| before - at <= window).map(|v| v.1))
            .collect(),
        inline: None,
    }
}

/// Applies the effect of MIPS instruction `w` at `pc` on the registers: the address loads
/// followed, every other register write forgets what the register held.
fn mips_step(
    img: &Image<'_>,
    gp: Option<(u64, u64, u64)>,
    slots: &HashMap<u64, &'static str>,
    regs: &mut [Reg; 32],
    refs: &mut BTreeMap<u64, u64>,
    w: u32,
    pc: u64,
) {
    let op = w >> 26;
    let rs = ((w >> 21) & 31) as usize;
    let rt = ((w >> 16) & 31) as usize;
    let rd = ((w >> 11) & 31) as usize;
    let simm = i64::from((w & 0xffff) as u16 as i16);
    let written = match op {
        // lui rt, imm
        0x0f => Some((
            rt,
            Reg {
                value: Some((pc, u64::from(w & 0xffff) << 16)),
                function: None,
            },
        )),
        // addiu rt, rs, simm
        0x09 => {
            let value = regs[rs].value.map(|(_, v)| {
                let t = (v as i64).wrapping_add(simm) as u64 & 0xffff_ffff;
                refs.insert(pc, t);
                (pc, t)
            });
            Some((
                rt,
                Reg {
                    value,
                    function: None,
                },
            ))
        }
        // lw rt, off(rs): from the GOT through $gp, a local page address or a global entry.
        0x23 => {
            let mut reg = Reg::default();
            if let Some((gpv, got, local)) = gp
                && rs as u32 == MIPS_GP
            {
                let at = (gpv as i64).wrapping_add(simm) as u64 & 0xffff_ffff;
                if let Some(&f) = slots.get(&at) {
                    reg.function = Some(f);
                } else if at >= got
                    && (at - got) / 4 < local
                    && let Some((off, _)) = img.file_offset(at)
                    && let Some(v) = img.u32_at(off)
                {
                    reg.value = Some((pc, u64::from(v)));
                }
            }
            Some((rt, reg))
        }
        // Other immediate arithmetic and loads write rt.
        0x08 | 0x0a..=0x0e | 0x20..=0x22 | 0x24..=0x27 => Some((rt, Reg::default())),
        // SPECIAL: `move` (or/addu with $zero) copies; other ALU results forget rd.
        0x00 => {
            let funct = w & 0x3f;
            if matches!(funct, 0x21 | 0x25) && (rt == 0 || rs == 0) {
                let src = if rt == 0 { rs } else { rt };
                Some((rd, regs[src]))
            } else if !matches!(funct, 0x08 | 0x09 | 0x0c | 0x0d | 0x18..=0x1b) {
                // Not jr/jalr/syscall/break/mult/div: an ALU op writing rd.
                Some((rd, Reg::default()))
            } else {
                None
            }
        }
        _ => None,
    };
    // $zero stays zero.
    if let Some((r, v)) = written
        && r != 0
    {
        regs[r] = v;
    }
}

fn mips(
    img: &Image<'_>,
    gp: Option<(u64, u64, u64)>,
    slots: &HashMap<u64, &'static str>,
    direct: &HashMap<u64, &'static str>,
) -> Decoded {
    let code = img.code();
    let mut refs = BTreeMap::new();
    let mut sites = Vec::new();
    for &(start, end, va0) in &code {
        let mut regs = [Reg::default(); 32];
        let mut i = start + (4 - (start % 4)) % 4;
        while i + 4 <= end {
            let pc = va0 + (i - start) as u64;
            let Some(w) = img.u32_at(i) else { break };
            let op = w >> 26;
            let jalr = op == 0 && w & 0x3f == 0x09 && (w >> 11) & 31 == MIPS_RA;
            let jal = op == 0x03;
            let bal = op == 0x01 && (w >> 16) & 31 == 0x11;
            if jalr || jal || bal {
                // The delay slot runs before the callee: apply it first.
                if let Some(next) = img.u32_at(i + 4) {
                    mips_step(img, gp, slots, &mut regs, &mut refs, next, pc + 4);
                }
                let function = if jalr {
                    regs[((w >> 21) & 31) as usize].function
                } else if jal {
                    let target = ((pc + 4) & 0xf000_0000) | (u64::from(w & 0x03ff_ffff) << 2);
                    direct.get(&target).copied()
                } else {
                    None
                };
                if let Some(function) = function {
                    let args = [&regs[MIPS_A0], &regs[MIPS_A1]];
                    sites.push(reg_site(function, args, pc, i, pc + 4, 96));
                }
                // The call clobbers the registers; the delay slot was consumed.
                regs = [Reg::default(); 32];
                i += 8;
                continue;
            }
            mips_step(img, gp, slots, &mut regs, &mut refs, w, pc);
            i += 4;
        }
    }
    (sites, refs)
}

/// What one 32-bit ARM register is known to hold: a value, where it was set, and whether it is
/// a literal still to be made PC-relative (`ldr rN, [pc, #off]` in position-independent code
/// loads an offset that `add rN, pc` turns into the address).
type ArmReg = Option<(u64, u64)>;

/// An ARM-mode modified immediate (`imm8` rotated right by twice `rot`).
fn arm_imm(w: u32) -> u64 {
    u64::from((w & 0xff).rotate_right(((w >> 8) & 0xf) * 2))
}

/// `movw rd, #imm` (`top` false) or `movt rd, #imm` (`top` true) at `pc`.
fn arm_mov16(
    regs: &mut [ArmReg; 16],
    refs: &mut BTreeMap<u64, u64>,
    rd: usize,
    top: bool,
    imm: u64,
    pc: u64,
) {
    regs[rd] = if top {
        regs[rd].map(|(_, v)| {
            let t = (v & 0xffff) | (imm << 16);
            refs.insert(pc, t);
            (pc, t)
        })
    } else {
        Some((pc, imm))
    };
}

/// `rd` set to `rm` plus the value of PC (`pc_value`: the instruction's address plus 4 in
/// Thumb, 8 in ARM code), for a PC-relative literal.
fn arm_add_pc(
    regs: &mut [ArmReg; 16],
    refs: &mut BTreeMap<u64, u64>,
    rd: usize,
    rm: usize,
    pc_value: u64,
    pc: u64,
) {
    regs[rd] = regs[rm].map(|(_, v)| {
        let t = (v + pc_value) & 0xffff_ffff;
        refs.insert(pc, t);
        (pc, t)
    });
}

fn arm32(
    img: &Image<'_>,
    slots: &HashMap<u64, &'static str>,
    direct: &HashMap<u64, &'static str>,
) -> Decoded {
    let code = img.code();
    let word = |va: u64| -> Option<u32> { img.file_offset(va).and_then(|(o, _)| img.u32_at(o)) };
    let half = |off: usize| -> Option<u32> {
        let b = img.data.get(off..off.checked_add(2)?)?;
        Some(u32::from(u16::from_le_bytes([b[0], b[1]])))
    };
    // PLT stubs (ARM code): `add ip, pc, #a; add ip, ip, #b; ldr pc, [ip, #c]!`, whose slot
    // pc + 8 + a + b + c is a comparison function's.
    let mut entry: HashMap<u64, &'static str> = direct.iter().map(|(&a, &f)| (a & !1, f)).collect();
    for &(start, end, va0) in &code {
        let mut i = start + (4 - (start % 4)) % 4;
        while i + 12 <= end {
            let pc = va0 + (i - start) as u64;
            if let (Some(a), Some(b), Some(c)) =
                (img.u32_at(i), img.u32_at(i + 4), img.u32_at(i + 8))
                && a & 0x0fff_f000 == 0x028f_c000
                && b & 0x0fff_f000 == 0x028c_c000
                && c & 0x0fff_f000 == 0x05bc_f000
            {
                let slot = pc + 8 + arm_imm(a) + arm_imm(b) + u64::from(c & 0xfff);
                if let Some(&f) = slots.get(&(slot & 0xffff_ffff)) {
                    entry.insert(pc, f);
                }
            }
            i += 4;
        }
    }
    let mut refs = BTreeMap::new();
    let mut sites = Vec::new();
    let call = |sites: &mut Vec<Site>, regs: &[ArmReg; 16], target: u64, pc: u64, off: usize| {
        if let Some(&function) = entry.get(&target) {
            let args = regs[..2]
                .iter()
                .filter_map(|r| r.filter(|(at, _)| pc - at <= 64).map(|v| v.1))
                .collect();
            sites.push(Site {
                function,
                call_at: pc,
                offset: off as u64,
                args,
                inline: None,
            });
        }
    };
    for &(start, end, va0) in &code {
        // Thumb-2: halfword by halfword.
        let mut regs: [ArmReg; 16] = [None; 16];
        let mut i = start + (start % 2);
        while i + 2 <= end {
            let pc = va0 + (i - start) as u64;
            let Some(h) = half(i) else { break };
            let wide = h >> 11 >= 0x1d;
            let h2 = if wide { half(i + 2) } else { None };
            if h & 0xf800 == 0x4800 {
                // ldr rt, [pc, #imm8 * 4]
                let at = ((pc + 4) & !3) + u64::from(h & 0xff) * 4;
                regs[((h >> 8) & 7) as usize] = word(at).map(|v| (pc, u64::from(v)));
            } else if h & 0xff78 == 0x4478 {
                // add rdn, pc
                let rd = ((h & 7) | ((h >> 4) & 8)) as usize;
                arm_add_pc(&mut regs, &mut refs, rd, rd, pc + 4, pc);
            } else if h & 0xff00 == 0x4600 {
                // mov rd, rm
                let rd = ((h & 7) | ((h >> 4) & 8)) as usize;
                regs[rd] = regs[((h >> 3) & 15) as usize];
            } else if let Some(h2) = h2 {
                if h & 0xfbf0 == 0xf240 || h & 0xfbf0 == 0xf2c0 {
                    // movw / movt rd, #imm16
                    let imm = u64::from(
                        ((h & 0xf) << 12) | ((h & 0x400) << 1) | ((h2 >> 4) & 0x700) | (h2 & 0xff),
                    );
                    let rd = ((h2 >> 8) & 15) as usize;
                    arm_mov16(&mut regs, &mut refs, rd, h & 0xfbf0 == 0xf2c0, imm, pc);
                } else if h & 0xff7f == 0xf85f {
                    // ldr.w rt, [pc, #±imm12]
                    let base = (pc + 4) & !3;
                    let imm = u64::from(h2 & 0xfff);
                    let at = if h & 0x80 != 0 {
                        base + imm
                    } else {
                        base.wrapping_sub(imm)
                    };
                    regs[((h2 >> 12) & 15) as usize] = word(at).map(|v| (pc, u64::from(v)));
                } else if h & 0xf800 == 0xf000 && h2 & 0xc000 == 0xc000 {
                    // bl / blx imm
                    let s = (h >> 10) & 1;
                    let i1 = !((h2 >> 13) & 1 ^ s) & 1;
                    let i2 = !((h2 >> 11) & 1 ^ s) & 1;
                    let imm = (s << 24)
                        | (i1 << 23)
                        | (i2 << 22)
                        | ((h & 0x3ff) << 12)
                        | ((h2 & 0x7ff) << 1);
                    let imm = ((imm << 7) as i32 >> 7) as i64;
                    let target = if h2 & 0x1000 != 0 {
                        (pc as i64 + 4 + imm) as u64
                    } else {
                        ((((pc + 4) & !3) as i64) + (imm & !3)) as u64
                    };
                    call(&mut sites, &regs, target & 0xffff_ffff, pc, i);
                    regs = [None; 16];
                }
            }
            i += if wide { 4 } else { 2 };
        }
        // ARM code: word by word.
        let mut regs: [ArmReg; 16] = [None; 16];
        let mut i = start + (4 - (start % 4)) % 4;
        while i + 4 <= end {
            let pc = va0 + (i - start) as u64;
            let Some(w) = img.u32_at(i) else { break };
            if w >> 28 == 0xf {
                i += 4;
                continue;
            }
            if w & 0x0f7f_0000 == 0x051f_0000 {
                // ldr rt, [pc, #±imm12]
                let imm = u64::from(w & 0xfff);
                let at = if w & (1 << 23) != 0 {
                    pc + 8 + imm
                } else {
                    (pc + 8).wrapping_sub(imm)
                };
                regs[((w >> 12) & 15) as usize] = word(at).map(|v| (pc, u64::from(v)));
            } else if w & 0x0fff_0ff0 == 0x008f_0000 {
                // add rd, pc, rm
                let rd = ((w >> 12) & 15) as usize;
                arm_add_pc(&mut regs, &mut refs, rd, (w & 15) as usize, pc + 8, pc);
            } else if w & 0x0fef_0ff0 == 0x01a0_0000 {
                // mov rd, rm
                regs[((w >> 12) & 15) as usize] = regs[(w & 15) as usize];
            } else if w & 0x0ff0_0000 == 0x0300_0000 || w & 0x0ff0_0000 == 0x0340_0000 {
                // movw / movt rd, #imm16
                let imm = u64::from(((w >> 4) & 0xf000) | (w & 0xfff));
                let rd = ((w >> 12) & 15) as usize;
                arm_mov16(&mut regs, &mut refs, rd, w & 0x0040_0000 != 0, imm, pc);
            } else if w & 0x0f00_0000 == 0x0b00_0000 {
                // bl imm24
                let off = (((w & 0x00ff_ffff) << 8) as i32 >> 6) as i64;
                call(
                    &mut sites,
                    &regs,
                    ((pc as i64 + 8 + off) as u64) & 0xffff_ffff,
                    pc,
                    i,
                );
                regs = [None; 16];
            }
            i += 4;
        }
    }
    (sites, refs)
}

/// `R_PPC_RELATIVE`: the word is the object's load address plus the addend.
const R_PPC_RELATIVE: u32 = 22;

/// PowerPC instruction words matched whole.
const PPC_BCL_NEXT: u32 = 0x429f_0005; // bcl 20,31,.+4: LR = the next instruction
const PPC_BLRL: u32 = 0x4e80_0021;
const PPC_BCTR: u32 = 0x4e80_0420;
const PPC_BCTRL: u32 = 0x4e80_0421;
const PPC_MTCTR_R11: u32 = 0x7d69_03a6;
/// PowerPC's GOT pointer in position-independent code.
const PPC_GOT: usize = 30;

fn ppc_simm(w: u32) -> u64 {
    i64::from((w & 0xffff) as u16 as i16) as u64
}

/// The comparison function a call stub at `target` jumps to, given the caller's `r30`:
/// `lwz r11, d(r30)`, `addis r11, r30, hi; lwz r11, lo(r11)` or `lis r11, hi; lwz r11,
/// lo(r11)`, then `mtctr r11; bctr`.
fn ppc_stub(
    img: &Image<'_>,
    slots: &HashMap<u64, &'static str>,
    target: u64,
    r30: Option<u64>,
) -> Option<&'static str> {
    let (off, _) = img.file_offset(target)?;
    // Four words, without allocating: this runs for every `bl` in PowerPC code.
    let w = [0, 1, 2, 3].map(|k| img.u32_at(off + 4 * k));
    let slot = match w {
        [Some(a), Some(PPC_MTCTR_R11), Some(PPC_BCTR), _] if a & 0xffff_0000 == 0x817e_0000 => {
            r30?.wrapping_add(ppc_simm(a))
        }
        [Some(a), Some(b), Some(PPC_MTCTR_R11), Some(PPC_BCTR)]
            if b & 0xffff_0000 == 0x816b_0000 =>
        {
            let base = match a & 0xffff_0000 {
                0x3d7e_0000 => r30?,
                0x3d60_0000 => 0,
                _ => return None,
            };
            base.wrapping_add(ppc_simm(a) << 16)
                .wrapping_add(ppc_simm(b))
        }
        _ => return None,
    };
    slots.get(&(slot & 0xffff_ffff)).copied()
}

/// Whether a PowerPC instruction of primary opcode 31 with extended opcode `xo` writes no
/// general register (compares, stores, cache and sync operations, `mtspr`, `mtcrf`).
fn ppc_x_writes_none(xo: u32) -> bool {
    matches!(
        xo,
        0 | 4
            | 32
            | 54
            | 86
            | 144
            | 150
            | 151
            | 215
            | 246
            | 278
            | 407
            | 467
            | 598
            | 662
            | 854
            | 918
            | 982
            | 1014
    )
}

fn ppc32(
    img: &Image<'_>,
    slots: &HashMap<u64, &'static str>,
    direct: &HashMap<u64, &'static str>,
) -> Decoded {
    let code = img.code();
    let mut refs = BTreeMap::new();
    let mut sites = Vec::new();
    for &(start, end, va0) in &code {
        let mut regs = [Reg::default(); 32];
        let mut lr: Option<u64> = None;
        let mut ctr: Option<&'static str> = None;
        let mut i = start + (4 - (start % 4)) % 4;
        while i + 4 <= end {
            let pc = va0 + (i - start) as u64;
            let Some(w) = img.u32_at(i) else { break };
            let op = w >> 26;
            let rd = ((w >> 21) & 31) as usize;
            let ra = ((w >> 16) & 31) as usize;
            let known = |regs: &[Reg; 32], r: usize| regs[r].value.map(|v| v.1);
            let mut call: Option<Option<&'static str>> = None;
            // Registers the instruction writes with nothing known of the result.
            let mut forget: [Option<usize>; 2] = [None, None];
            match op {
                // addi / addis rd, ra, simm (ra = 0: li / lis)
                14 | 15 => {
                    let imm = if op == 15 {
                        ppc_simm(w) << 16
                    } else {
                        ppc_simm(w)
                    };
                    let base = if ra == 0 { Some(0) } else { known(&regs, ra) };
                    regs[rd] = Reg {
                        value: base.map(|b| {
                            let t = b.wrapping_add(imm) & 0xffff_ffff;
                            if op == 14 && ra != 0 {
                                refs.insert(pc, t);
                            }
                            (pc, t)
                        }),
                        function: None,
                    };
                }
                // lwz rd, d(ra): a GOT entry (an address, or a comparison function's slot)
                32 => {
                    let at = known(&regs, ra).map(|b| b.wrapping_add(ppc_simm(w)) & 0xffff_ffff);
                    let mut reg = Reg::default();
                    if let Some(at) = at {
                        if let Some(&f) = slots.get(&at) {
                            reg.function = Some(f);
                        } else if let Some(v) = img.loaded_word(at) {
                            refs.insert(pc, v);
                            reg.value = Some((pc, v));
                        }
                    }
                    regs[rd] = reg;
                }
                // bl
                18 if w & 3 == 1 => {
                    let li = ((w & 0x03ff_fffc) << 6) as i32 >> 6;
                    let target = pc.wrapping_add(i64::from(li) as u64) & 0xffff_ffff;
                    let blrl =
                        img.file_offset(target).and_then(|(o, _)| img.u32_at(o)) == Some(PPC_BLRL);
                    if blrl {
                        // `bl` to the GOT's `blrl`: LR is the GOT's address.
                        lr = Some(target + 4);
                    } else {
                        call = Some(
                            direct
                                .get(&target)
                                .or_else(|| slots.get(&target))
                                .copied()
                                .or_else(|| ppc_stub(img, slots, target, known(&regs, PPC_GOT))),
                        );
                    }
                }
                16 if w == PPC_BCL_NEXT => lr = Some(pc + 4),
                19 if w == PPC_BCTRL => call = Some(ctr),
                // Other loads (and update forms) write rd; update forms write ra too.
                33..=35 | 40..=43 => {
                    forget = [Some(rd), (op % 2 == 1).then_some(ra)];
                }
                // lmw: rd to r31.
                46 => {
                    for r in &mut regs[rd..] {
                        *r = Reg::default();
                    }
                }
                // Stores with update, and floating-point loads and stores with update, write ra.
                37 | 39 | 45 | 49 | 51 | 53 | 55 => forget = [Some(ra), None],
                // mulli, subfic, addic(.)
                7 | 8 | 12 | 13 => forget = [Some(rd), None],
                // Logical immediates and rotates write ra.
                20 | 21 | 23 | 24..=29 => forget = [Some(ra), None],
                31 => {
                    let xo = (w >> 1) & 0x3ff;
                    let rb = ((w >> 11) & 31) as usize;
                    if w & 0xfc1f_ffff == 0x7c08_02a6 {
                        // mflr rd
                        regs[rd] = Reg {
                            value: lr.map(|v| (pc, v)),
                            function: None,
                        };
                    } else if w & 0xfc1f_ffff == 0x7c09_03a6 {
                        // mtctr rs
                        ctr = regs[rd].function;
                    } else if xo == 444 && rd == rb {
                        // mr ra, rs
                        regs[ra] = regs[rd];
                    } else if xo & 0x1ff == 266 {
                        // add rd, ra, rb
                        let v = known(&regs, ra)
                            .zip(known(&regs, rb))
                            .map(|(a, b)| (pc, a.wrapping_add(b) & 0xffff_ffff));
                        regs[rd] = Reg {
                            value: v,
                            function: None,
                        };
                    } else if !ppc_x_writes_none(xo) {
                        forget = [Some(rd), Some(ra)];
                    }
                }
                _ => {}
            }
            for r in forget.into_iter().flatten() {
                regs[r] = Reg::default();
            }
            if let Some(function) = call {
                if let Some(function) = function {
                    sites.push(reg_site(function, [&regs[3], &regs[4]], pc, i, pc, 96));
                }
                // The call clobbers r0 and r3 to r12 (volatile) and CTR; r30 survives.
                regs[0] = Reg::default();
                for r in &mut regs[3..=12] {
                    *r = Reg::default();
                }
                ctr = None;
            }
            i += 4;
        }
    }
    (sites, refs)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn literals_that_can_be_passwords() {
        for yes in [
            "xc3511",
            "7ujMko0admin",
            "Zte521",
            "s3cr3t!",
            "Xr7!backd00r",
            "1234abcd",
            "888888",
        ] {
            assert!(credential_like(yes), "{yes}");
        }
        for no in [
            "keyboard-interactive",
            "password",
            "PermitRootLogin",
            "root",
            "admin",
            "--help",
            "/bin/sh",
            "%s:%d",
            "yes",
            "SHELL",
            "a=b",
            "http://x",
            "two words",
            "123",
            "1000",
            "abc",
            "pass:",
            "1.2.840.113549.1.9.5",
            "7.88.1",
            "sk-ecdsa-sha2-nistp256@openssh.com",
            "SHA256",
            "LUKS2",
            "scram-sha-256",
            "luks2-keyring",
            "tpm2",
            "eth0",
            "userSetAuthPass",
            "zWrLeh",
            "4,ENCRYPTED",
            "WFA-SimpleConfig-Registrar-1-0",
            "*NP*",
            "$SIGNKEYID",
            "C.UTF-8",
            "org.freedesktop.systemd1.NoSuchUnit",
        ] {
            assert!(!credential_like(no), "{no}");
        }
    }

    #[test]
    fn login_words_stand_alone() {
        for yes in [
            "Password: ",
            "Login incorrect",
            "bad passwd",
            "Enter passphrase",
            "logins",
        ] {
            assert!(is_context(yes), "{yes}");
        }
        for no in [
            "src/login/loginctl.c",
            "SSH_AUTH_SOCK",
            "authority file",
            "AuthenticAMD",
            "credentials",
            "loginctl",
        ] {
            assert!(!is_context(no), "{no}");
        }
    }

    #[test]
    fn not_elf_or_other_arch_gives_nothing() {
        assert!(compared_literals(b"not an elf").is_empty());
        assert!(compared_literals(&[0x7f, b'E', b'L', b'F', 2, 1, 1]).is_empty());
    }
}
