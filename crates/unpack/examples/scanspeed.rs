//! Times the pieces of identification on a file: the signature scan, entropy, SHA-256.
//! `cargo run --release -p netvet-unpack --example scanspeed -- FILE`

use std::error::Error;
use std::sync::Arc;
use std::time::Instant;

use sha2::Digest;

fn main() -> Result<(), Box<dyn Error>> {
    let path = std::env::args().nth(1).ok_or("usage: scanspeed FILE")?;
    let src: netvet_unpack::SourceRef =
        Arc::new(netvet_unpack::FileSource::new(std::fs::File::open(&path)?)?);
    let formats = netvet_unpack::format::registry();
    let m = netvet_unpack::scan::Matcher::new(&formats);
    let t = Instant::now();
    let mut n = 0;
    let mut truncated = false;
    let mut pos = 0;
    while pos < src.len() {
        let end = (pos + netvet_unpack::scan::Matcher::window()).min(src.len());
        n += m.candidates(&*src, pos, end, &mut truncated)?.len();
        pos = end;
    }
    let secs = t.elapsed().as_secs_f64();
    let gb = src.len() as f64 / 1e9;
    println!("scan: {secs:.2} s ({:.2} GB/s), {n} candidates", gb / secs);
    let t = Instant::now();
    let r = netvet_unpack::entropy::regions(&*src, 0, src.len())?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "entropy: {secs:.2} s ({:.2} GB/s), {} regions",
        gb / secs,
        r.len()
    );
    let t = Instant::now();
    let mut h = sha2::Sha256::new();
    netvet_unpack::source::SourceExt::for_each_chunk(&*src, &mut |b| h.update(b))?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "sha256: {secs:.2} s ({:.2} GB/s) {:x}",
        gb / secs,
        h.finalize()[0]
    );
    Ok(())
}
