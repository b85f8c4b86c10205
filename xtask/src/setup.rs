//! Set-up on a fresh machine: the wasm32 target and the pinned tools, each
//! installed only when missing or at another version.

use crate::cmd;
use anyhow::{bail, Context};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Instant;

/// A tool installed with `cargo install`, pinned to one version.
#[derive(Clone, Copy)]
pub struct CargoTool {
    /// The binary looked up on `PATH`.
    bin: &'static str,
    /// Other binaries the same crate provides (checked too).
    also: &'static [&'static str],
    krate: &'static str,
    version: &'static str,
    /// `--locked` (wasm-bindgen-cli's lockfile pins a crate the index lacks).
    locked: bool,
}

const TRUNK: CargoTool = CargoTool {
    bin: "trunk",
    also: &[],
    krate: "trunk",
    version: "0.21.14",
    locked: true,
};

/// `cargo fuzz` (runs on nightly; `cargo xtask fuzz` and the fuzz build of
/// `cargo xtask test` install it when it is missing).
pub const CARGO_FUZZ: CargoTool = CargoTool {
    bin: "cargo-fuzz",
    also: &[],
    krate: "cargo-fuzz",
    version: "0.13.2",
    locked: true,
};

/// `cargo deny`, run by `cargo xtask test` over our own dependency graph.
pub const CARGO_DENY: CargoTool = CargoTool {
    bin: "cargo-deny",
    also: &[],
    krate: "cargo-deny",
    version: "0.20.2",
    locked: true,
};

const WASM_BINDGEN: CargoTool = CargoTool {
    bin: "wasm-bindgen",
    also: &["wasm-bindgen-test-runner"],
    krate: "wasm-bindgen-cli",
    version: "0.2.130",
    locked: false,
};

/// wasm-opt from npm (Debian's binaryen is too old for our wasm).
const BINARYEN_NPM: &str = "binaryen@132.0.0";
const WASM_OPT_VERSION: &str = "version_132";

/// Release-profile overrides for `cargo install`: a tool build in about half
/// the time (no LTO, parallel codegen, -O1). The tools run briefly; their
/// speed does not matter.
const FAST_INSTALL_ENV: &[(&str, &str)] = &[
    ("CARGO_PROFILE_RELEASE_LTO", "false"),
    ("CARGO_PROFILE_RELEASE_CODEGEN_UNITS", "16"),
    ("CARGO_PROFILE_RELEASE_OPT_LEVEL", "1"),
    ("CARGO_PROFILE_RELEASE_DEBUG", "false"),
    ("CARGO_PROFILE_RELEASE_STRIP", "true"),
];

/// Where the browser tests find Chromium and its driver.
#[derive(Debug, Clone)]
pub struct Browser {
    pub chromium: Option<PathBuf>,
    pub chromedriver: Option<PathBuf>,
}

impl Browser {
    pub fn find() -> Browser {
        Browser {
            chromium: ["chromium", "chromium-browser"]
                .iter()
                .find_map(|n| cmd::which(n)),
            chromedriver: cmd::which("chromedriver"),
        }
    }

    /// What is missing, as a sentence, or `None` when both are there.
    pub fn missing(&self) -> Option<String> {
        let mut missing = Vec::new();
        if self.chromium.is_none() {
            missing.push("chromium");
        }
        if self.chromedriver.is_none() {
            missing.push("chromedriver");
        }
        (!missing.is_empty()).then(|| {
            format!(
                "{} not found on PATH; install with `apt-get install chromium chromium-driver`",
                missing.join(" and ")
            )
        })
    }
}

/// Install whatever serving the app needs; return where the browser is.
pub fn ensure_all(root: &Path) -> anyhow::Result<Browser> {
    ensure_with(root, &[])
}

/// Install whatever serving the app needs plus `extra` tools (installed
/// alongside, in parallel); return where the browser is.
pub fn ensure_with(root: &Path, extra: &[CargoTool]) -> anyhow::Result<Browser> {
    ensure_wasm_target()?;
    let mut tools = vec![TRUNK, WASM_BINDGEN];
    tools.extend_from_slice(extra);
    ensure_cargo_tools(root, &tools)?;
    ensure_wasm_opt();
    let browser = Browser::find();
    match browser.missing() {
        Some(why) => eprintln!("setup: {why}"),
        None => eprintln!("setup: chromium and chromedriver found"),
    }
    Ok(browser)
}

fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed = cmd::stdout_of("rustup", ["target", "list", "--installed"]).unwrap_or_default();
    if installed
        .lines()
        .any(|l| l.trim() == "wasm32-unknown-unknown")
    {
        eprintln!("setup: wasm32-unknown-unknown target present");
        return Ok(());
    }
    eprintln!("setup: adding the wasm32-unknown-unknown target (not installed)");
    cmd::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
}

/// Why `tool` needs installing, or `None` if the right version is on `PATH`.
fn install_reason(tool: &CargoTool) -> Option<String> {
    for bin in std::iter::once(&tool.bin).chain(tool.also) {
        let Some(version) = cmd::stdout_of(bin, ["--version"]) else {
            return Some(format!("`{bin}` not found on PATH"));
        };
        // `trunk 0.21.14`, `wasm-bindgen 0.2.130`
        let found = version.split_whitespace().nth(1).unwrap_or("?");
        if found != tool.version {
            return Some(format!("`{bin}` is {found}, need {}", tool.version));
        }
    }
    None
}

/// Install the tools that are missing, all at once (each `cargo install` is
/// mostly serial; two of them share 2 cores better than they take turns).
pub fn ensure_cargo_tools(root: &Path, tools: &[CargoTool]) -> anyhow::Result<()> {
    let log_dir = root.join("target/xtask");
    let mut running: Vec<(&CargoTool, Child, PathBuf, Instant)> = Vec::new();
    for tool in tools {
        let Some(why) = install_reason(tool) else {
            eprintln!("setup: {} {} present", tool.bin, tool.version);
            continue;
        };
        std::fs::create_dir_all(&log_dir)?;
        let log_path = log_dir.join(format!("install-{}.log", tool.krate));
        let log = std::fs::File::create(&log_path)?;
        let mut install = cmd::cargo();
        install.args(["install", tool.krate, "--version", tool.version, "--force"]);
        if tool.locked {
            install.arg("--locked");
        }
        install.envs(FAST_INSTALL_ENV.iter().copied());
        eprintln!(
            "setup: installing {} {} because {why}\n       $ {}\n       (a few minutes on 2 cores; log: {})",
            tool.krate,
            tool.version,
            cmd::display(&install),
            log_path.display()
        );
        let child = install
            .stdin(Stdio::null())
            .stdout(log.try_clone()?)
            .stderr(log)
            .spawn()
            .with_context(|| format!("cannot start cargo install {}", tool.krate))?;
        running.push((tool, child, log_path, Instant::now()));
    }
    let mut failed = Vec::new();
    for (tool, mut child, log_path, started) in running {
        let status = child.wait()?;
        let took = cmd::human(started.elapsed());
        if status.success() {
            eprintln!("setup: installed {} {} in {took}", tool.krate, tool.version);
        } else {
            let log = std::fs::read_to_string(&log_path).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            eprintln!(
                "setup: installing {} failed after {took}; last lines of {}:",
                tool.krate,
                log_path.display()
            );
            for line in tail.iter().rev() {
                eprintln!("    {line}");
            }
            failed.push(tool.krate);
        }
    }
    if !failed.is_empty() {
        bail!("could not install {}", failed.join(", "));
    }
    for tool in tools {
        if let Some(why) = install_reason(tool) {
            bail!(
                "{} {} was installed but {why}: put ~/.cargo/bin first on PATH",
                tool.krate,
                tool.version
            );
        }
    }
    Ok(())
}

/// wasm-opt is optional: Trunk skips it with `data-wasm-opt="0"`. Install the
/// npm build when npm is there; otherwise say how.
fn ensure_wasm_opt() {
    let found = cmd::stdout_of("wasm-opt", ["--version"]);
    if found
        .as_deref()
        .is_some_and(|v| v.contains(WASM_OPT_VERSION))
    {
        eprintln!("setup: wasm-opt {WASM_OPT_VERSION} present");
        return;
    }
    let why = match &found {
        Some(v) => format!("wasm-opt is `{v}`, need {WASM_OPT_VERSION}"),
        None => "wasm-opt not found on PATH".to_owned(),
    };
    if cmd::which("npm").is_none() {
        eprintln!("setup: {why}; optional, install with `npm install -g --prefix /usr/local {BINARYEN_NPM}`");
        return;
    }
    eprintln!("setup: installing {BINARYEN_NPM} (wasm-opt) because {why}");
    let started = Instant::now();
    let result = cmd::run(Command::new("npm").args([
        "install",
        "-g",
        "--prefix",
        "/usr/local",
        BINARYEN_NPM,
    ]));
    match result {
        Ok(()) => eprintln!(
            "setup: installed wasm-opt in {}",
            cmd::human(started.elapsed())
        ),
        Err(e) => eprintln!("setup: wasm-opt not installed ({e:#}); optional, continuing"),
    }
}
