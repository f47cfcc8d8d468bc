//! A file's bytes, mapped into memory read-only where the platform allows it: a large
//! file that is only looked up in (git's index) costs no copy and no fresh memory. Only for files that are replaced by renaming a new file over them,
//! never rewritten in place (as git and soc2 replace theirs): a mapping keeps the
//! file it was made from.

use std::io;
use std::path::Path;

pub struct Mapped {
    bytes: Bytes,
}

enum Bytes {
    #[cfg(unix)]
    Map {
        ptr: *mut libc::c_void,
        len: usize,
    },
    Owned(Vec<u8>),
}

// The mapping is read-only and private to this value.
unsafe impl Send for Mapped {}
unsafe impl Sync for Mapped {}

impl Mapped {
    pub fn open(path: &Path) -> io::Result<Mapped> {
        #[cfg(unix)]
        {
            use std::os::fd::AsRawFd;
            let file = std::fs::File::open(path)?;
            let len = usize::try_from(file.metadata()?.len()).map_err(io::Error::other)?;
            if len == 0 {
                return Ok(Mapped {
                    bytes: Bytes::Owned(Vec::new()),
                });
            }
            // SAFETY: a read-only private mapping of a file we opened; the pointer is
            // checked, and unmapped once, on drop.
            let ptr = unsafe {
                libc::mmap(
                    std::ptr::null_mut(),
                    len,
                    libc::PROT_READ,
                    libc::MAP_PRIVATE,
                    file.as_raw_fd(),
                    0,
                )
            };
            if ptr == libc::MAP_FAILED {
                return Ok(Mapped {
                    bytes: Bytes::Owned(std::fs::read(path)?),
                });
            }
            Ok(Mapped {
                bytes: Bytes::Map { ptr, len },
            })
        }
        #[cfg(not(unix))]
        Ok(Mapped {
            bytes: Bytes::Owned(std::fs::read(path)?),
        })
    }

    pub fn bytes(&self) -> &[u8] {
        match &self.bytes {
            // SAFETY: `ptr` maps `len` readable bytes until drop.
            #[cfg(unix)]
            Bytes::Map { ptr, len } => unsafe {
                std::slice::from_raw_parts(*ptr as *const u8, *len)
            },
            Bytes::Owned(bytes) => bytes,
        }
    }
}

impl Drop for Mapped {
    fn drop(&mut self) {
        #[cfg(unix)]
        if let Bytes::Map { ptr, len } = self.bytes {
            // SAFETY: mapped in `open`, unmapped only here.
            unsafe {
                libc::munmap(ptr, len);
            }
        }
    }
}
