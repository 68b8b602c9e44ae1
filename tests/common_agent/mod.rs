//! Packing the sample bundles (`assets/bundles/`) and hostile archives.
#![allow(dead_code)]

use std::fs::File;
use std::io::Write;
use std::path::{Path, PathBuf};

pub fn sample(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("assets/bundles")
        .join(name)
}

/// `dir` as a tar archive at `to` (gzipped when `gz`), entries under `prefix`.
pub fn tar_of(dir: &Path, to: &Path, gz: bool, prefix: &str) {
    let file = File::create(to).expect("create archive");
    let write = |w: &mut dyn Write| {
        let mut b = tar::Builder::new(w);
        b.follow_symlinks(false);
        b.append_dir_all(prefix, dir).expect("pack");
        b.finish().expect("finish");
    };
    if gz {
        let mut enc = flate2::write::GzEncoder::new(file, flate2::Compression::fast());
        write(&mut enc);
        enc.finish().expect("gzip");
    } else {
        let mut file = file;
        write(&mut file);
    }
}

/// `dir` as a zip archive at `to`, keeping file modes.
pub fn zip_of(dir: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt;
    let mut z = zip::ZipWriter::new(File::create(to).expect("create zip"));
    let mut stack = vec![PathBuf::new()];
    while let Some(rel) = stack.pop() {
        let mut items: Vec<_> = std::fs::read_dir(dir.join(&rel))
            .expect("read")
            .map(|e| e.expect("entry").path())
            .collect();
        items.sort();
        for p in items {
            let name = rel.join(p.file_name().expect("name"));
            let mode = p.metadata().expect("meta").permissions().mode();
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated)
                .unix_permissions(mode);
            if p.is_dir() {
                z.add_directory(name.to_string_lossy(), opts).expect("dir");
                stack.push(name);
            } else {
                z.start_file(name.to_string_lossy(), opts).expect("file");
                z.write_all(&std::fs::read(&p).expect("read"))
                    .expect("write");
            }
        }
    }
    z.finish().expect("finish zip");
}

/// A raw tar entry: (name, type, link target, data).
pub type RawEntry<'a> = (&'a str, tar::EntryType, &'a str, &'a [u8]);

/// A tar archive whose entries are written raw.
pub fn raw_tar(to: &Path, entries: &[RawEntry]) {
    let mut b = tar::Builder::new(File::create(to).expect("create"));
    for (name, kind, link, data) in entries {
        let mut h = tar::Header::new_gnu();
        // Names go in raw: the builder's own checks would refuse `..`.
        let gnu = h.as_gnu_mut().expect("gnu header");
        gnu.name[..name.len()].copy_from_slice(name.as_bytes());
        gnu.linkname[..link.len()].copy_from_slice(link.as_bytes());
        h.set_entry_type(*kind);
        h.set_mode(0o755);
        h.set_size(data.len() as u64);
        h.set_cksum();
        b.append(&h, *data).expect("append");
    }
    b.finish().expect("finish");
}

/// A minimal appspec with one ApplicationStart script.
pub const APPSPEC: &[u8] =
    b"version: 0.0\nos: linux\nhooks:\n  ApplicationStart:\n    - location: start.sh\n";
