//! Photo files in the data folder, named by the SHA-256 of their bytes.
//!
//! A file is written (and synced) before the transaction that references it
//! commits, and removed only when no draft or report references it. A crash in
//! between leaves at worst an unreferenced file, which [`collect_garbage`]
//! removes when the store next opens. All of this runs under the store's lock.

use std::{
    collections::HashSet,
    fs::{self, File},
    io::Write,
    path::{Path, PathBuf},
};

use rusqlite::Connection;
use sha2::{Digest, Sha256};

/// Largest photo accepted, in bytes (photos arrive already downscaled).
pub const MAX_PHOTO_BYTES: usize = 15 * 1024 * 1024;
const TEMP_PREFIX: &str = "tmp-";
const THUMB_SUFFIX: &str = ".thumb";

/// The folder of photo files.
#[derive(Debug, Clone)]
pub struct PhotoDir {
    dir: PathBuf,
}

/// The lowercase hex SHA-256 of `bytes`.
pub fn hash(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

impl PhotoDir {
    pub fn new(data_dir: &Path) -> PhotoDir {
        PhotoDir {
            dir: data_dir.join("photos"),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Where the photo with `hash` lives.
    pub fn path(&self, hash: &str) -> PathBuf {
        self.dir.join(format!("{hash}.jpg"))
    }

    /// Makes sure the file for `bytes` exists and is durable; returns its hash.
    /// Writes to a temporary file, syncs it, renames it into place and syncs
    /// the folder, so that a crash never leaves a partial file under a hash name.
    pub fn put(&self, bytes: &[u8]) -> std::io::Result<String> {
        let hash = hash(bytes);
        let path = self.path(&hash);
        if path.is_file() {
            return Ok(hash);
        }
        fs::create_dir_all(&self.dir)?;
        let temp = self.dir.join(format!("{TEMP_PREFIX}{hash}"));
        {
            let mut file = File::create(&temp)?;
            file.write_all(bytes)?;
            file.sync_all()?;
        }
        fs::rename(&temp, &path)?;
        File::open(&self.dir)?.sync_all()?;
        Ok(hash)
    }

    /// Where the thumbnail of the photo with `hash` lives.
    pub fn thumb_path(&self, hash: &str) -> PathBuf {
        self.dir.join(format!("{hash}{THUMB_SUFFIX}"))
    }

    /// Stores the thumbnail of photo `hash` (derived data: written whole by
    /// rename, not synced; a lost one is made again or the photo shown instead).
    pub fn put_thumb(&self, hash: &str, bytes: &[u8]) -> std::io::Result<()> {
        fs::create_dir_all(&self.dir)?;
        let temp = self.dir.join(format!("{TEMP_PREFIX}{hash}{THUMB_SUFFIX}"));
        fs::write(&temp, bytes)?;
        fs::rename(&temp, self.thumb_path(hash))
    }

    pub fn read(&self, hash: &str) -> std::io::Result<Vec<u8>> {
        fs::read(self.path(hash))
    }

    /// Hashes of the photo files present (temporary files excluded).
    pub fn files(&self) -> std::io::Result<Vec<String>> {
        let entries = match fs::read_dir(&self.dir) {
            Ok(entries) => entries,
            Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
            Err(err) => return Err(err),
        };
        let mut hashes = Vec::new();
        for entry in entries {
            let name = entry?.file_name();
            if let Some(hash) = name.to_str().and_then(|n| n.strip_suffix(".jpg")) {
                hashes.push(hash.to_owned());
            }
        }
        Ok(hashes)
    }
}

/// Hashes referenced by a draft or a report.
pub fn referenced(conn: &Connection) -> rusqlite::Result<HashSet<String>> {
    let mut statement =
        conn.prepare("SELECT hash FROM draft_photos UNION SELECT hash FROM report_photos")?;
    let rows = statement.query_map([], |row| row.get(0))?;
    rows.collect()
}

/// Removes photo rows and files nothing references, and leftover temporary files.
/// Returns how many files were removed.
pub fn collect_garbage(
    conn: &Connection,
    photos: &PhotoDir,
) -> Result<usize, crate::db::StoreError> {
    let used = referenced(conn)?;
    conn.execute(
        "DELETE FROM photos WHERE hash NOT IN
             (SELECT hash FROM draft_photos UNION SELECT hash FROM report_photos)",
        [],
    )?;
    let mut removed = 0;
    if let Ok(entries) = fs::read_dir(photos.dir()) {
        for entry in entries.flatten() {
            let name = entry.file_name();
            let name = name.to_string_lossy();
            let stale_temp = name.starts_with(TEMP_PREFIX);
            let unused = name
                .strip_suffix(".jpg")
                .or_else(|| name.strip_suffix(THUMB_SUFFIX))
                .is_some_and(|hash| !used.contains(hash));
            if stale_temp || unused {
                fs::remove_file(entry.path())?;
                removed += 1;
            }
        }
    }
    Ok(removed)
}

/// Removes the files of `hashes` that nothing references any more (after the
/// transaction that dropped the references has committed).
pub fn remove_if_unused(
    conn: &Connection,
    photos: &PhotoDir,
    hashes: &[String],
) -> Result<(), crate::db::StoreError> {
    let used = referenced(conn)?;
    for hash in hashes.iter().filter(|h| !used.contains(*h)) {
        conn.execute("DELETE FROM photos WHERE hash = ?1", [hash])?;
        for path in [photos.path(hash), photos.thumb_path(hash)] {
            match fs::remove_file(path) {
                Ok(()) => {}
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => {}
                Err(err) => return Err(err.into()),
            }
        }
    }
    Ok(())
}
