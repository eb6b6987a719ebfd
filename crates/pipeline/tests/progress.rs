//! Long jobs report their progress through the callback: each stage as it starts, each layer
//! as it is opened, and every file with its size, so a progress line (or the service's job
//! record) can show more than a spinner.

#![allow(clippy::unwrap_used)]

use std::sync::{Arc, Mutex};

use netvet_forge::FsTree;
use netvet_pipeline::{AnalyseOptions, Analyser, Progress, ProgressRef};

#[derive(Default)]
struct Recorder {
    stages: Mutex<Vec<String>>,
    layers: Mutex<Vec<(String, String)>>,
    files: Mutex<(u64, u64)>,
}

impl netvet_unpack::Progress for Recorder {
    fn file_done(&self, bytes: u64) {
        let mut f = self.files.lock().unwrap();
        f.0 += 1;
        f.1 += bytes;
    }

    fn layer_opened(&self, path: &str, format: &str) {
        self.layers
            .lock()
            .unwrap()
            .push((path.to_string(), format.to_string()));
    }
}

impl Progress for Recorder {
    fn stage(&self, name: &str) {
        self.stages.lock().unwrap().push(name.to_string());
    }
}

#[test]
fn stages_layers_files_and_bytes_are_reported() {
    let mut t = FsTree::new();
    t.file("etc/passwd", 0o644, "root:x:0:0::/root:/bin/sh\n");
    t.file("etc/motd", 0o644, "hello\n");
    t.file("usr/lib/blob.bin", 0o644, vec![7u8; 10_000]);
    let inner = netvet_forge::squashfs::write(&t, netvet_forge::squashfs::Options::default());
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("fw.squashfs.gz");
    std::fs::write(&path, netvet_forge::gzip(&inner)).unwrap();
    let recorder = Arc::new(Recorder::default());
    let progress: ProgressRef = Some(recorder.clone() as Arc<dyn Progress>);
    Analyser::new(AnalyseOptions::new("2026-12-06".parse().unwrap()))
        .unwrap()
        .analyse(&path, &progress)
        .unwrap();
    let stages = recorder.stages.lock().unwrap().clone();
    assert_eq!(
        stages,
        [
            "unpacking and scanning",
            "checking the tree",
            "cataloging software and matching vulnerabilities"
        ]
    );
    let formats: Vec<String> = recorder
        .layers
        .lock()
        .unwrap()
        .iter()
        .map(|(_, f)| f.clone())
        .collect();
    assert!(
        formats.contains(&"gzip".to_string()) && formats.contains(&"squashfs".to_string()),
        "{formats:?}"
    );
    let (files, bytes) = *recorder.files.lock().unwrap();
    assert!(files >= 3, "{files}");
    assert!(bytes >= 10_000 + 26 + 6, "{bytes}");
}
