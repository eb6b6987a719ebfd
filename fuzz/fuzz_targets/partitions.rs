#![no_main]
// Both partition table readers see every input: GPT and the (weak, strictly validated) MBR.
libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    netvet_fuzz::exercise("gpt", data);
    netvet_fuzz::exercise("mbr", data);
});
