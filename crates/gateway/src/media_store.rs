//! Where photos are kept, each under the SHA-256 of its bytes: a folder on
//! this machine (the default, `DATA/media`), or an S3-compatible object store
//! shared by every gateway (`--media s3://bucket/prefix`, through the
//! `object_store` crate, credentials from the usual `AWS_*` variables).
//!
//! A photo is written before the record that names it, and content
//! addressing makes writing it twice harmless. In the folder, the file and
//! then the folder are synced to disk before the record commits (the
//! `object_store` crate's local folder does not sync, so the folder is ours);
//! an object store's successful `PUT` is durable by its own contract.

use std::{
    fs::{self, File},
    io::Write,
    path::{Path, PathBuf},
    sync::{Arc, Condvar, Mutex},
    time::{Duration, SystemTime},
};

use object_store::{
    ObjectStore, ObjectStoreExt, PutPayload, aws::AmazonS3, path::Path as ObjectPath,
};
use sha2::{Digest, Sha256};

use crate::{
    db::{DbError, hex},
    media::{self, Sniffed},
    sql::Conn,
};

/// A temporary photo file untouched this long belongs to a writer that
/// stopped mid-write (a write takes milliseconds); a younger one may be
/// another gateway's, sharing the folder and writing it now.
const LEFTOVER_AFTER: Duration = Duration::from_secs(3600);

/// The store of photos, cheap to clone into every handler.
#[derive(Clone)]
pub struct MediaStore(Place);

#[derive(Clone)]
enum Place {
    Folder(Arc<Folder>),
    Objects(Arc<Objects>),
}

/// The data folder's `media`, and the syncs of its entries.
struct Folder {
    dir: PathBuf,
    sync: FolderSync,
}

/// An S3-compatible bucket, with the runtime its client runs on (the
/// gateway's storage calls are blocking calls on the blocking pool).
struct Objects {
    store: AmazonS3,
    prefix: ObjectPath,
    shown: String,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Drop for Objects {
    fn drop(&mut self) {
        // May be dropped on an async thread, where a runtime cannot block.
        if let Some(runtime) = self.runtime.take() {
            runtime.shutdown_background();
        }
    }
}

impl std::fmt::Debug for MediaStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "MediaStore({})", self.place())
    }
}

impl MediaStore {
    /// The folder `DATA/media`.
    pub fn folder(data_dir: &Path) -> MediaStore {
        MediaStore(Place::Folder(Arc::new(Folder {
            dir: data_dir.join("media"),
            sync: FolderSync::default(),
        })))
    }

    /// The store `url` names (`s3://bucket/prefix`), or the data folder's if none.
    pub fn open(url: Option<&str>, data_dir: &Path) -> Result<MediaStore, DbError> {
        let Some(url) = url.filter(|url| !url.is_empty()) else {
            return Ok(MediaStore::folder(data_dir));
        };
        let bad = |why: &str| DbError::MediaAddress(format!("{url}: {why}"));
        let rest = url
            .strip_prefix("s3://")
            .ok_or_else(|| bad("only s3://bucket/prefix is known"))?;
        let (bucket, prefix) = rest.split_once('/').unwrap_or((rest, ""));
        if bucket.is_empty() {
            return Err(bad("no bucket"));
        }
        let store = object_store::aws::AmazonS3Builder::from_env()
            .with_bucket_name(bucket)
            .build()
            .map_err(|err| bad(&err.to_string()))?;
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .thread_name("cds-media")
            .enable_all()
            .build()
            .map_err(|err| DbError::Worker(err.to_string()))?;
        Ok(MediaStore(Place::Objects(Arc::new(Objects {
            store,
            prefix: ObjectPath::from(prefix.trim_matches('/')),
            shown: format!("s3://{bucket}/{}", prefix.trim_matches('/')),
            runtime: Some(runtime),
        }))))
    }

    /// The store as log lines name it.
    pub fn place(&self) -> String {
        match &self.0 {
            Place::Folder(folder) => folder.dir.display().to_string(),
            Place::Objects(objects) => objects.shown.clone(),
        }
    }

    /// Removes the temporary files of writers killed mid-write from the
    /// folder (never named by a record nor served, they only take disk),
    /// leaving those younger than [`LEFTOVER_AFTER`]; returns how many went.
    /// An object store has none: a `PUT` that did not finish stores nothing.
    /// Blocking.
    pub fn sweep_leftovers(&self) -> usize {
        match &self.0 {
            Place::Folder(folder) => sweep(&folder.dir, SystemTime::now(), LEFTOVER_AFTER),
            Place::Objects(_) => 0,
        }
    }

    /// Writes `bytes` and records them; returns their hash. Blocking.
    pub fn store(&self, conn: &Conn, bytes: &[u8], sniffed: Sniffed) -> Result<String, DbError> {
        let hash = hex(&Sha256::digest(bytes));
        self.write(bytes, &hash)?;
        media::record(conn, &hash, bytes.len(), sniffed)?;
        Ok(hash)
    }

    /// Writes the photo named `hash` (the SHA-256 of `bytes`) durably,
    /// unless the folder has it already. Needs no database: the intake
    /// writes photos before it takes the database's lock, and before the
    /// record that names them. Blocking.
    pub fn write(&self, bytes: &[u8], hash: &str) -> Result<(), DbError> {
        match &self.0 {
            Place::Folder(folder) => write_file(folder, bytes, hash),
            Place::Objects(objects) => {
                let location = objects.path(hash);
                let payload = PutPayload::from(bytes.to_vec());
                objects
                    .block_on(objects.store.put(&location, payload))
                    .map(|_| ())
                    .map_err(|err| DbError::Media(format!("{}: {err}", objects.shown)))
            }
        }
    }

    /// The photo named `hash`, if stored. Blocking.
    pub fn read(&self, hash: &str) -> Result<Option<Vec<u8>>, DbError> {
        match &self.0 {
            Place::Folder(folder) => match fs::read(folder.dir.join(hash)) {
                Ok(bytes) => Ok(Some(bytes)),
                Err(err) if err.kind() == std::io::ErrorKind::NotFound => Ok(None),
                Err(err) => Err(DbError::Folder(folder.dir.clone(), err)),
            },
            Place::Objects(objects) => {
                let location = objects.path(hash);
                let read =
                    objects.block_on(async { objects.store.get(&location).await?.bytes().await });
                match read {
                    Ok(bytes) => Ok(Some(bytes.to_vec())),
                    Err(object_store::Error::NotFound { .. }) => Ok(None),
                    Err(err) => Err(DbError::Media(format!("{}: {err}", objects.shown))),
                }
            }
        }
    }

    /// Whether the store answers (for `/ready`). Blocking.
    pub fn check(&self) -> Result<(), DbError> {
        match &self.0 {
            Place::Folder(folder) => {
                let dir = &folder.dir;
                fs::create_dir_all(dir).map_err(|err| DbError::Folder(dir.clone(), err))?;
                let meta = fs::metadata(dir).map_err(|err| DbError::Folder(dir.clone(), err))?;
                if meta.permissions().readonly() {
                    return Err(DbError::Media(format!("{} is read-only", dir.display())));
                }
                Ok(())
            }
            Place::Objects(objects) => objects
                .block_on(objects.store.list_with_delimiter(Some(&objects.prefix)))
                .map(|_| ())
                .map_err(|err| DbError::Media(format!("{}: {err}", objects.shown))),
        }
    }
}

impl Objects {
    fn path(&self, hash: &str) -> ObjectPath {
        self.prefix.clone().join(hash)
    }

    fn block_on<T>(
        &self,
        future: impl std::future::Future<Output = object_store::Result<T>>,
    ) -> object_store::Result<T> {
        match &self.runtime {
            Some(runtime) => runtime.block_on(future),
            // Only `Drop` takes the runtime.
            None => Err(object_store::Error::Generic {
                store: "S3",
                source: "the media store is closed".into(),
            }),
        }
    }
}

fn write_file(folder: &Folder, bytes: &[u8], hash: &str) -> Result<(), DbError> {
    let dir = &folder.dir;
    let path = dir.join(hash);
    if path.is_file() {
        return Ok(());
    }
    let io = |err: std::io::Error| DbError::Folder(dir.to_owned(), err);
    fs::create_dir_all(dir).map_err(io)?;
    // A name of its own per writer — process and thread, as gateways may
    // share the folder: two requests with the same photo may write it at
    // once; the rename makes either one the file.
    let temp = dir.join(format!(
        "tmp-{hash}-{}-{:?}",
        std::process::id(),
        std::thread::current().id()
    ));
    let mut file = File::create(&temp).map_err(io)?;
    file.write_all(bytes).map_err(io)?;
    file.sync_all().map_err(io)?;
    fs::rename(&temp, &path).map_err(io)?;
    // The rename is durable once the folder is: before the record that
    // names the file is committed.
    folder.sync.after_rename(dir).map_err(io)?;
    Ok(())
}

/// Removes `tmp-` files of `dir` last changed `after` or longer before `now`.
fn sweep(dir: &Path, now: SystemTime, after: Duration) -> usize {
    // No folder yet: nothing was ever written.
    let Ok(entries) = fs::read_dir(dir) else {
        return 0;
    };
    let mut removed = 0;
    for entry in entries.flatten() {
        if !entry.file_name().to_string_lossy().starts_with("tmp-") {
            continue;
        }
        let stale = entry
            .metadata()
            .and_then(|meta| meta.modified())
            .is_ok_and(|at| now.duration_since(at).is_ok_and(|age| age >= after));
        if !stale {
            continue;
        }
        match fs::remove_file(entry.path()) {
            Ok(()) => removed += 1,
            Err(err) => log::warn!("cannot remove {}: {err}", entry.path().display()),
        }
    }
    if removed > 0 {
        log::info!(
            "removed {removed} temporary photo file(s) of writers stopped mid-write from {}",
            dir.display()
        );
    }
    removed
}

/// Syncs a folder after renames into it, once for all the renames done
/// before the sync began: writers that finish together share one sync (a
/// journal commit on ext4) instead of queueing one each.
#[derive(Default)]
struct FolderSync {
    state: Mutex<SyncState>,
    done: Condvar,
}

#[derive(Default)]
struct SyncState {
    /// Renames announced so far.
    renamed: u64,
    /// Renames a finished sync covers.
    synced: u64,
    syncing: bool,
}

impl FolderSync {
    /// Returns once a sync of `dir` that began after this call has finished.
    fn after_rename(&self, dir: &Path) -> std::io::Result<()> {
        let mut state = self
            .state
            .lock()
            .map_err(|_| std::io::Error::other("poisoned"))?;
        state.renamed += 1;
        let mine = state.renamed;
        loop {
            if state.synced >= mine {
                return Ok(());
            }
            if state.syncing {
                state = self
                    .done
                    .wait(state)
                    .map_err(|_| std::io::Error::other("poisoned"))?;
                continue;
            }
            state.syncing = true;
            let covers = state.renamed;
            drop(state);
            let result = File::open(dir).and_then(|folder| folder.sync_all());
            state = self
                .state
                .lock()
                .map_err(|_| std::io::Error::other("poisoned"))?;
            state.syncing = false;
            if result.is_ok() {
                state.synced = state.synced.max(covers);
            }
            self.done.notify_all();
            result?;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn photos_written_at_once_are_all_there_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::folder(dir.path());
        let writers: Vec<_> = (0..8u8)
            .map(|writer| {
                let store = store.clone();
                std::thread::spawn(move || {
                    for n in 0..20u8 {
                        let bytes = vec![writer, n, 7];
                        let hash = hex(&Sha256::digest(&bytes));
                        store.write(&bytes, &hash).unwrap();
                    }
                })
            })
            .collect();
        for writer in writers {
            writer.join().unwrap();
        }
        for writer in 0..8u8 {
            for n in 0..20u8 {
                let bytes = vec![writer, n, 7];
                let hash = hex(&Sha256::digest(&bytes));
                assert_eq!(store.read(&hash).unwrap(), Some(bytes));
            }
        }
        assert_eq!(store.read(&"0".repeat(64)).unwrap(), None);
        let leftovers = fs::read_dir(dir.path().join("media"))
            .unwrap()
            .filter(|entry| {
                entry
                    .as_ref()
                    .is_ok_and(|e| e.file_name().to_string_lossy().starts_with("tmp-"))
            })
            .count();
        assert_eq!(leftovers, 0, "no temporary file left");
    }

    #[test]
    fn leftovers_of_stopped_writers_are_swept_and_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let store = MediaStore::folder(dir.path());
        assert_eq!(store.sweep_leftovers(), 0, "no folder yet");
        let bytes = b"a photo".to_vec();
        let hash = hex(&Sha256::digest(&bytes));
        store.write(&bytes, &hash).unwrap();
        let media = dir.path().join("media");
        let two_hours_ago = SystemTime::now() - Duration::from_secs(7200);
        let make = |name: &str, at: Option<SystemTime>| {
            let file = File::create(media.join(name)).unwrap();
            if let Some(at) = at {
                file.set_modified(at).unwrap();
            }
        };
        make("tmp-stopped-1-ThreadId(3)", Some(two_hours_ago));
        make("tmp-writing-2-ThreadId(4)", None);
        File::options()
            .write(true)
            .open(media.join(&hash))
            .unwrap()
            .set_modified(two_hours_ago)
            .unwrap();
        assert_eq!(store.sweep_leftovers(), 1);
        let mut left: Vec<String> = fs::read_dir(&media)
            .unwrap()
            .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        left.sort();
        assert_eq!(left, [hash.clone(), "tmp-writing-2-ThreadId(4)".to_owned()]);
        assert_eq!(store.read(&hash).unwrap(), Some(bytes));
    }
}
