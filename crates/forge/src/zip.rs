//! ZIP archives with stored (uncompressed) members: Java archives (`.jar`) and the other
//! ZIP-based packages found in appliance images. Deterministic: every member carries the same
//! DOS date and time, and members are written in the order given.

/// One member: its name inside the archive and its bytes.
pub struct Member<'a> {
    /// The path inside the archive (`META-INF/MANIFEST.MF`).
    pub name: &'a str,
    /// The member's bytes, stored uncompressed.
    pub data: &'a [u8],
}

/// 2023-11-14 22:13:20 as a DOS time and date (the forge's default file time, to the
/// two-second resolution DOS keeps).
const DOS_TIME: u16 = (22 << 11) | (13 << 5) | (20 / 2);
const DOS_DATE: u16 = ((2023 - 1980) << 9) | (11 << 5) | 14;

/// Writes a ZIP archive of stored members.
pub fn write(members: &[Member<'_>]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut central = Vec::new();
    for m in members {
        let offset = out.len() as u32;
        let crc = crc32fast::hash(m.data);
        let size = m.data.len() as u32;
        let name = m.name.as_bytes();
        // Local file header.
        out.extend_from_slice(b"PK\x03\x04");
        push16(&mut out, 10); // version needed: 1.0
        push16(&mut out, 0); // flags
        push16(&mut out, 0); // method: stored
        push16(&mut out, DOS_TIME);
        push16(&mut out, DOS_DATE);
        push32(&mut out, crc);
        push32(&mut out, size);
        push32(&mut out, size);
        push16(&mut out, name.len() as u16);
        push16(&mut out, 0); // extra length
        out.extend_from_slice(name);
        out.extend_from_slice(m.data);
        // Central directory record.
        central.extend_from_slice(b"PK\x01\x02");
        push16(&mut central, 0x031e); // made by: Unix, 3.0
        push16(&mut central, 10);
        push16(&mut central, 0);
        push16(&mut central, 0);
        push16(&mut central, DOS_TIME);
        push16(&mut central, DOS_DATE);
        push32(&mut central, crc);
        push32(&mut central, size);
        push32(&mut central, size);
        push16(&mut central, name.len() as u16);
        push16(&mut central, 0); // extra
        push16(&mut central, 0); // comment
        push16(&mut central, 0); // disk
        push16(&mut central, 0); // internal attributes
        push32(&mut central, 0o100644 << 16); // external: a regular file, rw-r--r--
        push32(&mut central, offset);
        central.extend_from_slice(name);
    }
    let cd_offset = out.len() as u32;
    let cd_size = central.len() as u32;
    out.extend_from_slice(&central);
    out.extend_from_slice(b"PK\x05\x06");
    push16(&mut out, 0);
    push16(&mut out, 0);
    push16(&mut out, members.len() as u16);
    push16(&mut out, members.len() as u16);
    push32(&mut out, cd_size);
    push32(&mut out, cd_offset);
    push16(&mut out, 0);
    out
}

fn push16(out: &mut Vec<u8>, v: u16) {
    out.extend_from_slice(&v.to_le_bytes());
}

fn push32(out: &mut Vec<u8>, v: u32) {
    out.extend_from_slice(&v.to_le_bytes());
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn members_are_laid_out_with_their_crc_and_a_central_directory() {
        let z = write(&[
            Member {
                name: "META-INF/MANIFEST.MF",
                data: b"Manifest-Version: 1.0\r\n",
            },
            Member {
                name: "a.txt",
                data: b"hello",
            },
        ]);
        assert!(z.starts_with(b"PK\x03\x04"));
        let eocd = z.len() - 22;
        assert_eq!(&z[eocd..eocd + 4], b"PK\x05\x06");
        assert_eq!(u16::from_le_bytes([z[eocd + 10], z[eocd + 11]]), 2);
        let cd = u32::from_le_bytes([z[eocd + 16], z[eocd + 17], z[eocd + 18], z[eocd + 19]]);
        assert_eq!(&z[cd as usize..cd as usize + 4], b"PK\x01\x02");
        // The second member's CRC is that of its bytes.
        let second = 30 + "META-INF/MANIFEST.MF".len() + 23;
        assert_eq!(&z[second..second + 4], b"PK\x03\x04");
        let crc = u32::from_le_bytes([
            z[second + 14],
            z[second + 15],
            z[second + 16],
            z[second + 17],
        ]);
        assert_eq!(crc, crc32fast::hash(b"hello"));
    }
}
