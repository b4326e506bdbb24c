//! What one photo may cost. Time: a deadline checked at the decoders' reads
//! (the pure-Rust decoders cannot be interrupted otherwise, so the input they
//! read fails once the budget is spent) and between the pipeline's stages.
//! Memory: every format estimates, from its headers and before decoding, the
//! most its decoder and our conversion hold at once; over
//! [`MAX_DECODED_BYTES`](crate::MAX_DECODED_BYTES) the photo is refused.

use std::io::{self, BufRead, Cursor, Read, Seek, SeekFrom};
use std::time::{Duration, Instant};

use crate::{MAX_DECODED_BYTES, PhotoError};

/// When one photo's time is up.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Deadline {
    start: Instant,
    budget: Duration,
}

impl Deadline {
    pub(crate) fn start(budget: Duration) -> Deadline {
        Deadline {
            start: Instant::now(),
            budget,
        }
    }

    pub(crate) fn passed(&self) -> bool {
        self.start.elapsed() > self.budget
    }

    /// The refusal once the time is up.
    pub(crate) fn refusal(&self) -> PhotoError {
        PhotoError::TooSlow {
            budget_ms: u64::try_from(self.budget.as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Between stages: refuses once the time is up.
    pub(crate) fn check(&self) -> Result<(), PhotoError> {
        if self.passed() {
            Err(self.refusal())
        } else {
            Ok(())
        }
    }

    /// A decoder's error: the time budget if it is spent (the reader below
    /// made the decoder stop), else damage.
    pub(crate) fn or_damaged(&self, err: impl std::fmt::Display) -> PhotoError {
        if self.passed() {
            self.refusal()
        } else {
            crate::damaged(err)
        }
    }
}

/// The input as a decoder reads it: it fails once the deadline has passed, so
/// a decoder stops at its next read (the clock is read every 64 reads; the
/// JPEG decoder reads its entropy-coded data a byte at a time, and every scan
/// starts with reads).
pub(crate) struct Reader<'a> {
    inner: Cursor<&'a [u8]>,
    deadline: Deadline,
    reads: u32,
}

impl<'a> Reader<'a> {
    pub(crate) fn new(bytes: &'a [u8], deadline: &Deadline) -> Reader<'a> {
        Reader {
            inner: Cursor::new(bytes),
            deadline: *deadline,
            reads: 0,
        }
    }

    fn tick(&mut self) -> io::Result<()> {
        self.reads = self.reads.wrapping_add(1);
        if self.reads.is_multiple_of(64) && self.deadline.passed() {
            return Err(io::Error::new(
                io::ErrorKind::TimedOut,
                "the photo's time budget is spent",
            ));
        }
        Ok(())
    }
}

impl Read for Reader<'_> {
    fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
        self.tick()?;
        self.inner.read(buf)
    }
}

impl BufRead for Reader<'_> {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        self.tick()?;
        self.inner.fill_buf()
    }

    fn consume(&mut self, amount: usize) {
        self.inner.consume(amount);
    }
}

impl Seek for Reader<'_> {
    fn seek(&mut self, position: SeekFrom) -> io::Result<u64> {
        self.inner.seek(position)
    }
}

/// What a decoder holds besides the buffers the estimates count: tables, row
/// and line buffers, worker threads' stacks (a 50 MP progressive JPEG
/// estimated at 157 MiB peaked at 167 MiB with the process's own 6 MiB).
const DECODER_SLACK: u64 = 16 * 1024 * 1024;

/// Refuses a decode that would hold more than the budget: `estimate` and the
/// decoder's slack.
pub(crate) fn check_memory(estimate: u64) -> Result<(), PhotoError> {
    let (needed, max) = (estimate + DECODER_SLACK, MAX_DECODED_BYTES as u64);
    if needed > max {
        return Err(PhotoError::TooMuchMemory { needed, max });
    }
    Ok(())
}

/// What scaling an RGB image of `from` pixels to `to` holds besides the
/// source: the resizer's vertical pass (source width × target height) and
/// the target.
pub(crate) fn resize_bytes(from: (u32, u32), to: (u32, u32)) -> u64 {
    3 * (u64::from(from.0) * u64::from(to.1) + u64::from(to.0) * u64::from(to.1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spent_budget_stops_reads_and_names_the_time() {
        let deadline = Deadline::start(Duration::ZERO);
        std::thread::sleep(Duration::from_millis(2));
        let data = vec![0u8; 1000];
        let mut reader = Reader::new(&data, &deadline);
        let mut byte = [0u8];
        let failed = (0..200).find(|_| reader.read_exact(&mut byte).is_err());
        assert!(failed.is_some_and(|n| n < 64), "{failed:?}");
        assert_eq!(deadline.check(), Err(PhotoError::TooSlow { budget_ms: 0 }));
        let fresh = Deadline::start(Duration::from_secs(60));
        let mut reader = Reader::new(&data, &fresh);
        let mut all = Vec::new();
        reader.read_to_end(&mut all).unwrap();
        assert_eq!(all.len(), 1000);
        assert_eq!(check_memory(1), Ok(()));
        assert!(check_memory(MAX_DECODED_BYTES as u64 - DECODER_SLACK + 1).is_err());
    }
}
