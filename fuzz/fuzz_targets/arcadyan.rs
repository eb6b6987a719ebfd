#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| netvet_fuzz::exercise("arcadyan", data));
