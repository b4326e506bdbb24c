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

use cds_domain::report::{PhotoAdded, StoredDraft};
use rusqlite::Connection;
use sha2::{Digest, Sha256};

use crate::{Core, Error, imaging, now_ms, reports};

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

/// The photo commands: the pipeline into a draft, and the bytes the UI shows.
impl Core {
    /// Adds an already processed photo (JPEG bytes) to a draft.
    pub async fn attach_photo(
        &self,
        draft_id: String,
        bytes: Vec<u8>,
    ) -> Result<StoredDraft, Error> {
        let photos = self.photos.clone();
        self.store
            .run(move |conn| {
                reports::store::attach_photo(conn, &photos, &draft_id, &bytes, now_ms())
            })
            .await
    }

    /// Adds a picked or captured photo to a draft through the pipeline
    /// ([`imaging::process`]: upright, at most 1600 px, JPEG, no metadata,
    /// with a thumbnail). If the draft has no location yet and the photo's
    /// EXIF has one inside the province, it becomes the draft's location.
    /// One photo per core is processed at a time, on the blocking pool.
    pub async fn add_photo(
        &self,
        draft_id: String,
        original: Vec<u8>,
    ) -> Result<PhotoAdded, Error> {
        let processed = {
            let _worker = self
                .photo_workers
                .acquire()
                .await
                .map_err(|err| Error::Internal(err.to_string()))?;
            let settings = self.imaging;
            tokio::task::spawn_blocking(move || imaging::process(&original, &settings))
                .await
                .map_err(|err| Error::Internal(err.to_string()))?
                .map_err(|err| Error::Invalid(err.into()))?
        };
        let imaging::Processed {
            jpeg,
            width,
            height,
            thumbnail,
            exif,
            colour_managed: _,
        } = processed;
        let hash = hash(&jpeg);
        // The thumbnail first, like the photo: a crash or a refusal in between
        // leaves an unreferenced file that recovery removes.
        let dir = self.photos.clone();
        let thumb_hash = hash.clone();
        if let Err(err) =
            tokio::task::spawn_blocking(move || dir.put_thumb(&thumb_hash, &thumbnail))
                .await
                .map_err(|err| err.to_string())
                .and_then(|result| result.map_err(|err| err.to_string()))
        {
            log::warn!("thumbnail of {hash} not stored: {err}");
        }
        let mut draft = self.attach_photo(draft_id.clone(), jpeg).await?;
        let mut used_exif_location = false;
        if let Some(location) = exif.location
            && draft.draft.location.is_none()
            && self.inside_province(location.lat, location.lon).await
        {
            // Read and write in one store call: a change saved meanwhile (the
            // description typed while the photo was processed) is kept, and a
            // location set meanwhile wins.
            let (filled, used) = self
                .store
                .run(move |conn| {
                    let mut current = reports::store::load_draft(conn, &draft_id)?;
                    if current.draft.location.is_some() {
                        return Ok((current, false));
                    }
                    current.draft.location = Some(location);
                    let saved = reports::store::save_draft(
                        conn,
                        Some(&draft_id),
                        &current.draft,
                        now_ms(),
                    )?;
                    Ok((saved, true))
                })
                .await?;
            draft = filled;
            used_exif_location = used;
        }
        Ok(PhotoAdded {
            draft,
            hash,
            width,
            height,
            exif_location: exif.location,
            taken_at: exif.taken_at,
            used_exif_location,
        })
    }

    pub async fn detach_photo(
        &self,
        draft_id: String,
        position: usize,
    ) -> Result<StoredDraft, Error> {
        let photos = self.photos.clone();
        self.store
            .run(move |conn| {
                reports::store::detach_photo(conn, &photos, &draft_id, position, now_ms())
            })
            .await
    }

    /// A stored photo (`thumbnail`: its small version, or the photo itself
    /// when the thumbnail is missing).
    pub async fn photo(&self, hash: String, thumbnail: bool) -> Result<Vec<u8>, Error> {
        if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(Error::NotFound);
        }
        let dir = self.photos.clone();
        tokio::task::spawn_blocking(move || {
            let thumb = thumbnail
                .then(|| std::fs::read(dir.thumb_path(&hash)).ok())
                .flatten();
            match thumb {
                Some(bytes) => Ok(bytes),
                None => dir.read(&hash).map_err(|_| Error::NotFound),
            }
        })
        .await
        .map_err(|err| Error::Internal(err.to_string()))?
    }

    /// The bytes of a photo the server named for one of my reports (the
    /// agency's photo of the fix, say), fetched once and kept on the device.
    pub async fn remote_photo(&self, report_id: String, index: usize) -> Result<Vec<u8>, Error> {
        let detail = self.report(report_id).await?;
        let url = detail
            .remote
            .and_then(|remote| remote.media_urls.get(index).cloned())
            .ok_or(Error::NotFound)?;
        self.fetch_media(url).await
    }

    /// A photo the province serves at `url` (its API or Open311 server only),
    /// kept in `media-cache` once fetched; only kinds the web view shows.
    pub(crate) async fn fetch_media(&self, url: String) -> Result<Vec<u8>, Error> {
        /// Largest photo fetched from the server.
        const MAX_BYTES: usize = 16 * 1024 * 1024;
        let path = self
            .config
            .data_dir
            .join("media-cache")
            .join(hash(url.as_bytes()));
        let cached = path.clone();
        if let Ok(Ok(bytes)) = tokio::task::spawn_blocking(move || std::fs::read(cached)).await {
            return Ok(bytes);
        }
        let allowed = [&self.config.api_url, &self.config.open311_url];
        let bytes = self
            .open311
            .media(&url, MAX_BYTES, &allowed)
            .await
            .map_err(Error::Unreachable)?;
        // Only what the web view shows as is (the gateway accepts no other).
        match imaging::sniff(&bytes) {
            Ok(format) if format.web_safe() => {}
            Ok(format) => {
                return Err(Error::Invalid(
                    imaging::PhotoError::NotSupported(format).into(),
                ));
            }
            Err(err) => return Err(Error::Invalid(err.into())),
        }
        let (store, kept) = (path, bytes.clone());
        let written = tokio::task::spawn_blocking(move || {
            if let Some(dir) = store.parent() {
                std::fs::create_dir_all(dir)?;
            }
            let temp = store.with_extension("tmp");
            std::fs::write(&temp, &kept)?;
            std::fs::rename(&temp, &store)
        })
        .await;
        if !matches!(written, Ok(Ok(()))) {
            log::warn!("a fetched photo was not kept: {written:?}");
        }
        Ok(bytes)
    }

    /// The folder of photo files (for verification and, later, upload).
    pub fn photo_dir(&self) -> &PhotoDir {
        &self.photos
    }
}
