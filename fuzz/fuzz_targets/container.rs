#![no_main]
use netvet_unpack::MemSource;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    // The probe (bounded header walk, manifest confirmation), then the full open.
    if let Some(f) = netvet_unpack::format::by_id("container") {
        let _ = f.probe(&MemSource::new(data.to_vec()), 0);
    }
    netvet_fuzz::exercise("container", data);
});
