//! The `cvefeed` binary: command-line parsing, logging and exit codes. All
//! work is done by the library; an error that ends a command is printed
//! here, once, with its chain of causes ([`cvefeed::error::Chain`]).

mod cli;

use std::process::ExitCode;

use cvefeed::error::Chain;

/// Keep glibc's heap close to what the program holds. By default every
/// thread that allocates gets its own arena (up to eight per core), each
/// keeping what it freed, and large buffers move from `mmap` into the heap
/// once one was freed: a 10,000-item refresh then peaked near 120 MB for
/// 70 MB of live data. Two arenas, and `mmap` for every buffer of 128 KiB
/// or more (returned to the system when freed, grown without copying),
/// bring that peak to about 83 MB (`bench/refresh_bench.py`).
#[cfg(all(target_os = "linux", target_env = "gnu"))]
#[allow(unsafe_code, reason = "mallopt is a C call with no Rust equivalent")]
fn tune_allocator() {
    // SAFETY: mallopt only sets allocator parameters; it is called before
    // any other thread exists.
    unsafe {
        libc::mallopt(libc::M_ARENA_MAX, 2);
        libc::mallopt(libc::M_MMAP_THRESHOLD, 128 * 1024);
    }
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn tune_allocator() {}

fn main() -> ExitCode {
    tune_allocator();
    let cli = cli::parse();
    cli::init_logging(cli.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::from(2);
        }
    };
    match runtime.block_on(cli.command.run()) {
        Ok(code) => code,
        Err(e) => {
            // The whole chain, once: no error's own message repeats its cause.
            eprintln!("error: {}", Chain(e.as_ref()));
            ExitCode::from(2)
        }
    }
}
