//! The `soc2` command line: parse, dispatch, print, exit. The work is in the `soc2`
//! library; `commands` holds one file per command.

mod commands;

// Loading a large store makes and frees millions of small strings on every core;
// glibc's allocator spends a fifth of the time there and keeps freed memory per thread.
// mimalloc's version 2 (the `v2` feature): version 3 keeps freed pages for a second
// before giving them back, 15-20 MB more at the peak of `status` on a large store.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> std::process::ExitCode {
    commands::main()
}
