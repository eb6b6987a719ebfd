//! Times the pieces of identification on a file: the signature scan, entropy, SHA-256.
fn main() {
    let path = std::env::args().nth(1).expect("path");
    let src: netvet_unpack::SourceRef = std::sync::Arc::new(netvet_unpack::FileSource::new(std::fs::File::open(&path).unwrap()).unwrap());
    let formats = netvet_unpack::format::registry();
    let m = netvet_unpack::scan::Matcher::new(&formats);
    let t = std::time::Instant::now();
    let mut n = 0;
    let mut trunc = false;
    let mut pos = 0;
    while pos < src.len() {
        let end = (pos + netvet_unpack::scan::Matcher::window()).min(src.len());
        n += m.candidates(&*src, pos, end, &mut trunc).unwrap().len();
        pos = end;
    }
    println!("scan: {:.2}s, {n} candidates", t.elapsed().as_secs_f64());
    let t = std::time::Instant::now();
    let r = netvet_unpack::entropy::regions(&*src, 0, src.len()).unwrap();
    println!("entropy: {:.2}s, {} regions", t.elapsed().as_secs_f64(), r.len());
    let t = std::time::Instant::now();
    use sha2::Digest;
    let mut h = sha2::Sha256::new();
    netvet_unpack::source::SourceExt::for_each_chunk(&*src, &mut |b| h.update(b)).unwrap();
    println!("sha256: {:.2}s {:x}", t.elapsed().as_secs_f64(), h.finalize()[0]);
}
