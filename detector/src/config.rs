//! Run-time configuration, read once from the environment.
//!
//! | variable | accepted | default | meaning |
//! |---|---|---|---|
//! | `VIGIL` | `on`, `off` (also `1`/`0`, `true`/`false`) | `on` | tracking on or off at run time |
//! | `VIGIL_PANIC_ON_LEAK` | `1`, `0` (also `true`/`false`, `on`/`off`) | `0` | leak findings at a guard drop or `verify_at_exit` panic |
//! | `VIGIL_LEAK_GRACE_MS` | whole milliseconds | `1000` | how long a leak check waits for workers to finish |
//! | `VIGIL_STARVATION_MS` | whole milliseconds | `1` | a lock waiter waiting longer starts starvation mode |
//! | `VIGIL_RACE` | `on`, `off` | `on` | the happens-before race checker |
//! | `VIGIL_DOUBLE_LOCK_PANIC` | `1`, `0` | `1` | a double lock panics with its report instead of hanging |
//! | `VIGIL_DASHBOARD` | `host:port` | unset | where `dashboard::serve_from_env()` binds |
//!
//! A malformed value is never ignored: the first use of vigil panics with a
//! message naming the variable, the value and the accepted forms.

use crate::sync::{AtomicU8, OnceLock, Ordering};
use std::fmt;
use std::time::Duration;

/// vigil's configuration, as read from the environment.
///
/// # Examples
///
/// ```
/// use vigil_detector::Config;
///
/// let cfg = Config::from_lookup(|var| match var {
///     "VIGIL_LEAK_GRACE_MS" => Some("250".to_string()),
///     _ => None,
/// })
/// .unwrap();
/// assert_eq!(cfg.leak_grace.as_millis(), 250);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Config {
    /// Tracking on (`VIGIL`).
    pub enabled: bool,
    /// Leak findings panic at guard drop and `verify_at_exit` (`VIGIL_PANIC_ON_LEAK`).
    pub panic_on_leak: bool,
    /// Leak-check grace period (`VIGIL_LEAK_GRACE_MS`).
    pub leak_grace: Duration,
    /// Starvation threshold for lock waiters (`VIGIL_STARVATION_MS`).
    pub starvation_threshold: Duration,
    /// The race checker is on (`VIGIL_RACE`).
    pub race: bool,
    /// A double lock panics with its report (`VIGIL_DOUBLE_LOCK_PANIC`).
    pub double_lock_panics: bool,
    /// Where the dashboard binds when started from the environment (`VIGIL_DASHBOARD`).
    pub dashboard_addr: Option<String>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            enabled: true,
            panic_on_leak: false,
            leak_grace: Duration::from_millis(1000),
            starvation_threshold: Duration::from_millis(1),
            race: true,
            double_lock_panics: true,
            dashboard_addr: None,
        }
    }
}

/// A malformed environment variable.
///
/// # Examples
///
/// ```
/// use vigil_detector::Config;
///
/// let err = Config::from_lookup(|var| (var == "VIGIL").then(|| "maybe".to_string())).unwrap_err();
/// assert_eq!(err.variable(), "VIGIL");
/// assert!(err.to_string().contains("on, off"));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    variable: &'static str,
    value: String,
    expected: &'static str,
}

impl ConfigError {
    /// The variable that was malformed.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::Config;
    ///
    /// let err = Config::from_lookup(|var| (var == "VIGIL_LEAK_GRACE_MS").then(|| "1s".to_string()))
    ///     .unwrap_err();
    /// assert_eq!(err.variable(), "VIGIL_LEAK_GRACE_MS");
    /// ```
    pub fn variable(&self) -> &'static str {
        self.variable
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "vigil: environment variable {}={:?} is malformed; accepted: {}",
            self.variable, self.value, self.expected
        )
    }
}

impl std::error::Error for ConfigError {}

const SWITCH: &str = "on, off (or 1, 0, true, false)";
const MILLIS: &str = "a whole number of milliseconds, e.g. 1000";

fn switch(var: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.trim().to_ascii_lowercase().as_str() {
        "on" | "1" | "true" | "yes" => Ok(true),
        "off" | "0" | "false" | "no" => Ok(false),
        _ => Err(ConfigError { variable: var, value: value.to_string(), expected: SWITCH }),
    }
}

fn millis(var: &'static str, value: &str) -> Result<Duration, ConfigError> {
    value.trim().parse::<u64>().map(Duration::from_millis).map_err(|_| ConfigError {
        variable: var,
        value: value.to_string(),
        expected: MILLIS,
    })
}

impl Config {
    /// Reads the configuration through `lookup` (the environment, or a map in tests).
    ///
    /// # Errors
    ///
    /// Returns the first malformed variable, naming the accepted forms.
    ///
    /// # Examples
    ///
    /// ```
    /// use std::collections::HashMap;
    /// use std::time::Duration;
    /// use vigil_detector::Config;
    ///
    /// let env = HashMap::from([("VIGIL_RACE", "off"), ("VIGIL_STARVATION_MS", "5")]);
    /// let cfg = Config::from_lookup(|var| env.get(var).map(|v| v.to_string())).unwrap();
    /// assert!(!cfg.race);
    /// assert_eq!(cfg.starvation_threshold, Duration::from_millis(5));
    /// assert_eq!(cfg.leak_grace, Config::default().leak_grace); // unset: the default
    /// ```
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Config, ConfigError> {
        let mut cfg = Config::default();
        if let Some(v) = lookup("VIGIL") {
            cfg.enabled = switch("VIGIL", &v)?;
        }
        if let Some(v) = lookup("VIGIL_PANIC_ON_LEAK") {
            cfg.panic_on_leak = switch("VIGIL_PANIC_ON_LEAK", &v)?;
        }
        if let Some(v) = lookup("VIGIL_LEAK_GRACE_MS") {
            cfg.leak_grace = millis("VIGIL_LEAK_GRACE_MS", &v)?;
        }
        if let Some(v) = lookup("VIGIL_STARVATION_MS") {
            cfg.starvation_threshold = millis("VIGIL_STARVATION_MS", &v)?;
        }
        if let Some(v) = lookup("VIGIL_RACE") {
            cfg.race = switch("VIGIL_RACE", &v)?;
        }
        if let Some(v) = lookup("VIGIL_DOUBLE_LOCK_PANIC") {
            cfg.double_lock_panics = switch("VIGIL_DOUBLE_LOCK_PANIC", &v)?;
        }
        if let Some(v) = lookup("VIGIL_DASHBOARD") {
            if v.trim().is_empty() || !v.contains(':') {
                return Err(ConfigError {
                    variable: "VIGIL_DASHBOARD",
                    value: v,
                    expected: "host:port, e.g. 127.0.0.1:6060",
                });
            }
            cfg.dashboard_addr = Some(v.trim().to_string());
        }
        Ok(cfg)
    }

    /// Reads the configuration from the process environment.
    ///
    /// # Errors
    ///
    /// Returns the first malformed variable, naming the accepted forms.
    ///
    /// # Examples
    ///
    /// ```
    /// use vigil_detector::Config;
    ///
    /// // What `vigil_detector::config()` read once, at first use.
    /// let cfg = Config::from_env().unwrap();
    /// assert_eq!(&cfg, vigil_detector::config());
    /// ```
    pub fn from_env() -> Result<Config, ConfigError> {
        Config::from_lookup(|var| std::env::var(var).ok())
    }
}

static CONFIG: OnceLock<Config> = OnceLock::new();

/// 0: not read yet; 1: tracking off; 2: on, race checker off; 3: on, race checker on.
static STATE: AtomicU8 = AtomicU8::new(0);

/// The process configuration, read from the environment at first use.
///
/// # Panics
///
/// Panics with a [`ConfigError`] message when a variable is malformed: a
/// misconfigured CI run must fail loudly, never run with guessed settings.
///
/// # Examples
///
/// ```
/// let cfg = vigil_detector::config();
/// assert!(std::ptr::eq(cfg, vigil_detector::config())); // read once, then shared
/// assert_eq!(vigil_detector::race_enabled(), vigil_detector::enabled() && cfg.race);
/// ```
pub fn config() -> &'static Config {
    CONFIG.get_or_init(|| match Config::from_env() {
        Ok(cfg) => cfg,
        Err(e) => panic!("{e}"),
    })
}

#[cold]
#[inline(never)]
fn init_state() -> u8 {
    let cfg = config();
    let state = match (cfg!(feature = "detect") && cfg.enabled, cfg.race) {
        (false, _) => 1,
        (true, false) => 2,
        (true, true) => 3,
    };
    STATE.store(state, Ordering::Relaxed);
    state
}

#[inline]
fn state() -> u8 {
    let s = STATE.load(Ordering::Relaxed);
    if s != 0 {
        s
    } else {
        init_state()
    }
}

/// Whether tracking is on: one relaxed load once the environment has been read.
///
/// # Examples
///
/// ```
/// // On by default, unless VIGIL=off.
/// let _on = vigil_detector::enabled();
/// ```
#[inline]
pub fn enabled() -> bool {
    cfg!(feature = "detect") && state() >= 2
}

/// Whether the happens-before race checker is on (tracking on and `VIGIL_RACE` not off).
///
/// # Examples
///
/// ```
/// let _race = vigil_detector::race_enabled();
/// ```
#[inline]
pub fn race_enabled() -> bool {
    cfg!(feature = "detect") && state() == 3
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn cfg(pairs: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let map: HashMap<String, String> =
            pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect();
        Config::from_lookup(|k| map.get(k).cloned())
    }

    #[test]
    fn defaults_match_go() {
        let c = cfg(&[]).unwrap();
        assert!(c.enabled && c.race && !c.panic_on_leak && c.double_lock_panics);
        assert_eq!(c.leak_grace, Duration::from_millis(1000));
        assert_eq!(c.starvation_threshold, Duration::from_millis(1));
    }

    #[test]
    fn accepted_forms_parse() {
        let c = cfg(&[
            ("VIGIL", "off"),
            ("VIGIL_PANIC_ON_LEAK", "1"),
            ("VIGIL_LEAK_GRACE_MS", " 20 "),
            ("VIGIL_STARVATION_MS", "5"),
            ("VIGIL_RACE", "OFF"),
            ("VIGIL_DASHBOARD", "127.0.0.1:0"),
        ])
        .unwrap();
        assert!(!c.enabled && c.panic_on_leak && !c.race);
        assert_eq!(c.leak_grace, Duration::from_millis(20));
        assert_eq!(c.starvation_threshold, Duration::from_millis(5));
        assert_eq!(c.dashboard_addr.as_deref(), Some("127.0.0.1:0"));
    }

    #[test]
    fn malformed_values_name_the_variable_and_the_forms() {
        for (var, bad, form) in [
            ("VIGIL", "maybe", "on, off"),
            ("VIGIL_PANIC_ON_LEAK", "yes please", "on, off"),
            ("VIGIL_LEAK_GRACE_MS", "1s", "milliseconds"),
            ("VIGIL_STARVATION_MS", "-1", "milliseconds"),
            ("VIGIL_RACE", "", "on, off"),
            ("VIGIL_DASHBOARD", "6060", "host:port"),
        ] {
            let err = cfg(&[(var, bad)]).unwrap_err();
            assert_eq!(err.variable(), var);
            let msg = err.to_string();
            assert!(msg.contains(var) && msg.contains(form), "{msg}");
        }
    }
}
