//! Running a command for evidence: started directly (no shell), its output captured
//! up to a limit, stopped at a timeout. On Unix the command runs in a process group of
//! its own, so that a timeout stops whatever it started too.

use std::io::Read;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use anyhow::{Result, anyhow};

use crate::Hinted;
use crate::model::{Sha256Hex, Timestamp};

/// How long a command may run and how much it may print.
#[derive(Clone, Copy, Debug)]
pub struct Limits {
    pub timeout: Duration,
    /// Bytes on each of standard output and error.
    pub max_output: u64,
}

/// How a command ended.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Ended {
    Exited(i32),
    /// Killed by a signal it did not ask for (Unix).
    Signalled,
    /// Stopped at its timeout.
    TimedOut,
    /// Stopped as soon as it printed more than the limit; what it printed is dropped.
    TooMuchOutput,
}

/// A finished command and what it printed.
#[derive(Debug)]
pub struct Finished {
    pub stdout: Vec<u8>,
    pub stderr: Vec<u8>,
    pub ended: Ended,
    pub started_at: Timestamp,
    pub ended_at: Timestamp,
    pub duration_ms: u64,
}

impl Finished {
    /// The exit code as a record keeps it: -1 when there is none.
    pub fn exit_code(&self) -> i32 {
        match self.ended {
            Ended::Exited(code) => code,
            _ => -1,
        }
    }
}

fn now() -> (Timestamp, Instant) {
    (
        Timestamp(chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Secs, true)),
        Instant::now(),
    )
}

fn command(argv: &[String], dir: &Path) -> Command {
    let mut command = Command::new(&argv[0]);
    command
        .args(&argv[1..])
        .current_dir(dir)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    #[cfg(unix)]
    {
        use std::os::unix::process::CommandExt;
        command.process_group(0);
    }
    command
}

fn spawn(argv: &[String], dir: &Path) -> Result<Child> {
    let program = argv
        .first()
        .ok_or_else(|| anyhow!("there is no command to run"))?;
    command(argv, dir).spawn().map_err(|err| {
        let hint = if err.kind() == std::io::ErrorKind::NotFound {
            "check the command's name, and that it is installed and on PATH".to_string()
        } else {
            "check that the command can be run by this user".to_string()
        };
        anyhow!(Hinted::new(
            format!("could not run `{program}`: {err}"),
            hint
        ))
    })
}

/// Stops the command and everything in its process group.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    if let Ok(pid) = i32::try_from(child.id()) {
        // SAFETY: kill(2) with a negative pid signals the process group the child
        // leads (it was started with `process_group(0)`); no memory is involved.
        unsafe {
            libc::kill(-pid, libc::SIGKILL);
        }
    }
    let _ = child.kill();
}

/// Reads a pipe to its end on a thread of its own, keeping at most `limit` bytes;
/// past that it sets `over` and keeps draining, so the command is never blocked.
fn reader(
    mut pipe: impl Read + Send + 'static,
    limit: u64,
    over: Arc<AtomicBool>,
) -> mpsc::Receiver<Vec<u8>> {
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut kept = Vec::new();
        let mut buffer = vec![0u8; 1 << 16];
        while let Ok(n) = pipe.read(&mut buffer) {
            if n == 0 {
                break;
            }
            if over.load(Ordering::Relaxed) {
                continue;
            }
            if kept.len() as u64 + n as u64 > limit {
                over.store(true, Ordering::Relaxed);
                kept = Vec::new();
                continue;
            }
            kept.extend_from_slice(&buffer[..n]);
        }
        let _ = send.send(kept);
    });
    receive
}

/// Runs `argv` in `dir` within `limits`. An error means it could not start.
pub fn run(argv: &[String], dir: &Path, limits: Limits) -> Result<Finished> {
    let (started_at, clock) = now();
    let mut child = spawn(argv, dir)?;
    let over = Arc::new(AtomicBool::new(false));
    let stdout = reader(
        child.stdout.take().expect("stdout is piped"),
        limits.max_output,
        over.clone(),
    );
    let stderr = reader(
        child.stderr.take().expect("stderr is piped"),
        limits.max_output,
        over.clone(),
    );
    let deadline = clock + limits.timeout;
    let status = loop {
        if over.load(Ordering::Relaxed) {
            kill(&mut child);
            let _ = child.wait();
            break None;
        }
        match child.try_wait() {
            Ok(Some(status)) => break Some(status),
            Ok(None) if Instant::now() >= deadline => {
                kill(&mut child);
                let _ = child.wait();
                break None;
            }
            Ok(None) => std::thread::sleep(Duration::from_millis(10)),
            Err(err) => {
                kill(&mut child);
                return Err(anyhow!("waiting for `{}`: {err}", argv[0]));
            }
        }
    };
    // A process that escaped the group may hold a pipe open: wait a little, then go
    // on with what was read.
    let settle = Duration::from_secs(if status.is_some() { 30 } else { 2 });
    let stdout = stdout.recv_timeout(settle).unwrap_or_default();
    let stderr = stderr.recv_timeout(settle).unwrap_or_default();
    let duration_ms = u64::try_from(clock.elapsed().as_millis()).unwrap_or(u64::MAX);
    let (ended_at, _) = now();
    let ended = match status {
        _ if over.load(Ordering::Relaxed) => Ended::TooMuchOutput,
        None => Ended::TimedOut,
        Some(status) => match status.code() {
            Some(code) => Ended::Exited(code),
            None => Ended::Signalled,
        },
    };
    let (stdout, stderr) = if ended == Ended::TooMuchOutput {
        (Vec::new(), Vec::new())
    } else {
        (stdout, stderr)
    };
    Ok(Finished {
        stdout,
        stderr,
        ended,
        started_at,
        ended_at,
        duration_ms,
    })
}

/// Runs `argv` and hashes what it prints on standard output, in pieces, however large:
/// the sha256 and size of a linked file a fetch command prints. Fails when the
/// command cannot start, exits with anything but 0, or outlasts `timeout`.
pub fn hash_output(argv: &[String], dir: &Path, timeout: Duration) -> Result<(Sha256Hex, u64)> {
    use sha2::Digest;
    let mut child = spawn(argv, dir)?;
    let mut pipe = child.stdout.take().expect("stdout is piped");
    let stderr = reader(
        child.stderr.take().expect("stderr is piped"),
        64 << 10,
        Arc::new(AtomicBool::new(false)),
    );
    let (send, receive) = mpsc::channel();
    std::thread::spawn(move || {
        let mut hasher = sha2::Sha256::new();
        let mut size = 0u64;
        let mut buffer = vec![0u8; 1 << 16];
        while let Ok(n) = pipe.read(&mut buffer) {
            if n == 0 {
                break;
            }
            size += n as u64;
            hasher.update(&buffer[..n]);
        }
        let hex: String = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        let _ = send.send((Sha256Hex(hex), size));
    });
    let hashed = match receive.recv_timeout(timeout) {
        Ok(hashed) => hashed,
        Err(_) => {
            kill(&mut child);
            let _ = child.wait();
            return Err(anyhow!(
                "`{}` did not finish within {}s",
                argv[0],
                timeout.as_secs()
            ));
        }
    };
    let status = child.wait()?;
    if !status.success() {
        let stderr = stderr
            .recv_timeout(Duration::from_secs(2))
            .unwrap_or_default();
        return Err(anyhow!(
            "`{}` exited with {}: {}",
            argv[0],
            status
                .code()
                .map_or("a signal".to_string(), |c| c.to_string()),
            tail(&stderr, 3)
        ));
    }
    Ok(hashed)
}

/// The last `lines` lines of `bytes`, for messages.
pub fn tail(bytes: &[u8], lines: usize) -> String {
    let text = String::from_utf8_lossy(bytes);
    let all: Vec<&str> = text.trim_end().lines().collect();
    all[all.len().saturating_sub(lines)..].join("\n")
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;

    fn sh(script: &str) -> Vec<String> {
        vec!["sh".into(), "-c".into(), script.into()]
    }

    fn limits(seconds: u64, max: u64) -> Limits {
        Limits {
            timeout: Duration::from_secs(seconds),
            max_output: max,
        }
    }

    #[test]
    fn output_and_exit_codes_are_kept() {
        let done = run(
            &sh("echo out; echo err >&2; exit 3"),
            Path::new("."),
            limits(10, 1024),
        )
        .unwrap();
        assert_eq!(done.stdout, b"out\n");
        assert_eq!(done.stderr, b"err\n");
        assert_eq!(done.ended, Ended::Exited(3));
    }

    #[test]
    fn a_timeout_stops_the_whole_group() {
        let started = Instant::now();
        // The shell's child sleeps too: killing only the shell would leave it holding
        // the pipe for 30 seconds.
        let done = run(&sh("sleep 30 & sleep 30"), Path::new("."), limits(1, 1024)).unwrap();
        assert_eq!(done.ended, Ended::TimedOut);
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
    }

    #[test]
    fn too_much_output_is_dropped() {
        let done = run(
            &sh("yes x | head -c 100000"),
            Path::new("."),
            limits(10, 1000),
        )
        .unwrap();
        assert_eq!(done.ended, Ended::TooMuchOutput);
        assert!(done.stdout.is_empty());
    }

    #[test]
    fn a_missing_program_cannot_start() {
        let err = run(
            &["soc2-no-such-program".into()],
            Path::new("."),
            limits(1, 10),
        )
        .unwrap_err();
        assert!(format!("{err:#}").contains("could not run `soc2-no-such-program`"));
    }

    #[test]
    fn output_can_be_hashed_as_it_streams() {
        let (sha, size) =
            hash_output(&sh("printf abc"), Path::new("."), Duration::from_secs(10)).unwrap();
        assert_eq!(sha, Sha256Hex::of(b"abc"));
        assert_eq!(size, 3);
        assert!(
            hash_output(
                &sh("echo no >&2; exit 1"),
                Path::new("."),
                Duration::from_secs(10)
            )
            .is_err()
        );
    }
}
