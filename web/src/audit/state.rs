//! The audit view's state and reducer. Pure: no browser types.

use super::token_store::origin;
use modelvet_core::card::{CardAudit, IntendedUse};
use modelvet_core::hub::{DEFAULT_DEADLINE_MS, DEFAULT_ENDPOINT};
use std::rc::Rc;
use yew::Reducible;

/// Where an audit is.
#[derive(Debug, Clone, PartialEq)]
pub enum Phase {
    /// Nothing asked yet.
    Idle,
    /// Requests in flight: the current step and how many answered.
    Running {
        /// What is being fetched.
        step: String,
        /// Requests answered.
        done: u32,
    },
    /// Finished.
    Done(Rc<CardAudit>),
    /// Could not complete: the message says what to do.
    Failed(String),
}

/// The view's state.
#[derive(Debug, Clone, PartialEq)]
pub struct AuditState {
    /// Repo id or Hub URL as typed.
    pub input: String,
    /// Revision as typed.
    pub revision: String,
    /// Use checked against the licence.
    pub intended_use: IntendedUse,
    /// Hub endpoint.
    pub endpoint: String,
    /// Access token, held in memory unless `remember_token`.
    pub token: String,
    /// The endpoint origin the token was entered or saved for; the token is
    /// sent only while the endpoint has this origin, and changing the
    /// endpoint's origin clears it.
    pub token_origin: Option<String>,
    /// Whether the user opted in to keeping the token in local storage
    /// (for `token_origin` only).
    pub remember_token: bool,
    /// Seconds the whole audit may take.
    pub deadline_secs: u64,
    /// Current run; results of older runs are ignored.
    pub run: u64,
    /// Progress or result.
    pub phase: Phase,
}

impl Default for AuditState {
    fn default() -> Self {
        AuditState {
            input: String::new(),
            revision: String::new(),
            intended_use: IntendedUse::Commercial,
            endpoint: DEFAULT_ENDPOINT.to_owned(),
            token: String::new(),
            token_origin: None,
            remember_token: false,
            deadline_secs: DEFAULT_DEADLINE_MS / 1000,
            run: 0,
            phase: Phase::Idle,
        }
    }
}

/// Everything that changes the state.
#[derive(Debug, Clone, PartialEq)]
pub enum AuditAction {
    /// The repo field changed.
    Input(String),
    /// The revision field changed.
    Revision(String),
    /// The use changed.
    Use(IntendedUse),
    /// The endpoint setting changed.
    Endpoint(String),
    /// The token changed (typed for the current endpoint).
    Token(String),
    /// A token saved for `origin` was found; ignored unless the endpoint has
    /// that origin.
    SavedToken {
        /// The origin it was saved for.
        origin: String,
        /// The token.
        token: String,
    },
    /// The "remember token" box changed.
    RememberToken(bool),
    /// "Forget saved token": no token in memory or storage.
    ForgetToken,
    /// The deadline setting changed (seconds; 0 and non-numbers are ignored).
    Deadline(String),
    /// A run started (its id is `run + 1`).
    Start,
    /// A request of run `run` is about to be sent.
    Progress {
        /// Run id.
        run: u64,
        /// Step.
        step: String,
        /// Answered so far.
        done: u32,
    },
    /// Run `run` finished.
    Finished {
        /// Run id.
        run: u64,
        /// The audit, or why it could not complete.
        result: Result<Rc<CardAudit>, String>,
    },
}

impl AuditState {
    /// The token to send: only to the origin it belongs to.
    pub fn token_for_endpoint(&self) -> Option<String> {
        let endpoint_origin = origin(&self.endpoint)?;
        (self.token_origin.as_deref() == Some(endpoint_origin.as_str())
            && !self.token.trim().is_empty())
        .then(|| self.token.clone())
    }

    /// The origin the kept token is saved for, to say so next to the field.
    pub fn saved_for(&self) -> Option<&str> {
        self.token_origin
            .as_deref()
            .filter(|_| self.remember_token && !self.token.trim().is_empty())
    }

    /// Whether requests are in flight.
    pub fn is_running(&self) -> bool {
        matches!(self.phase, Phase::Running { .. })
    }

    /// Apply an action (the reducer, usable without Yew).
    pub fn apply(&mut self, action: AuditAction) {
        match action {
            AuditAction::Input(s) => self.input = s,
            AuditAction::Revision(s) => self.revision = s,
            AuditAction::Use(u) => self.intended_use = u,
            AuditAction::Endpoint(e) => {
                if origin(&e) != self.token_origin {
                    // A token belongs to the origin it was entered for.
                    self.token.clear();
                    self.token_origin = None;
                    self.remember_token = false;
                }
                self.endpoint = e;
            }
            AuditAction::Token(t) => {
                self.token_origin = origin(&self.endpoint).filter(|_| !t.trim().is_empty());
                self.token = t;
            }
            AuditAction::SavedToken { origin: o, token } => {
                if origin(&self.endpoint).as_deref() == Some(o.as_str()) {
                    self.token = token;
                    self.token_origin = Some(o);
                    self.remember_token = true;
                }
            }
            AuditAction::RememberToken(r) => self.remember_token = r,
            AuditAction::Deadline(d) => {
                if let Some(secs) = d
                    .trim()
                    .parse::<u64>()
                    .ok()
                    .filter(|s| (1..=86_400).contains(s))
                {
                    self.deadline_secs = secs;
                }
            }
            AuditAction::ForgetToken => {
                self.token.clear();
                self.token_origin = None;
                self.remember_token = false;
            }
            AuditAction::Start => {
                self.run = self.run.wrapping_add(1);
                self.phase = Phase::Running {
                    step: "model info".to_owned(),
                    done: 0,
                };
            }
            AuditAction::Progress { run, step, done } if run == self.run && self.is_running() => {
                self.phase = Phase::Running { step, done };
            }
            AuditAction::Finished { run, result } if run == self.run => {
                self.phase = match result {
                    Ok(audit) => Phase::Done(audit),
                    Err(message) => Phase::Failed(message),
                };
            }
            AuditAction::Progress { .. } | AuditAction::Finished { .. } => {}
        }
    }
}

impl Reducible for AuditState {
    type Action = AuditAction;

    fn reduce(self: Rc<Self>, action: AuditAction) -> Rc<Self> {
        let mut next = (*self).clone();
        next.apply(action);
        Rc::new(next)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_runs_are_ignored() {
        let mut s = AuditState::default();
        s.apply(AuditAction::Start);
        let first = s.run;
        s.apply(AuditAction::Start);
        s.apply(AuditAction::Finished {
            run: first,
            result: Err("old".into()),
        });
        assert!(s.is_running(), "a result of an older run must not land");
        s.apply(AuditAction::Progress {
            run: s.run,
            step: "file list".into(),
            done: 1,
        });
        assert_eq!(
            s.phase,
            Phase::Running {
                step: "file list".into(),
                done: 1
            }
        );
        s.apply(AuditAction::Finished {
            run: s.run,
            result: Err("rate limited".into()),
        });
        assert_eq!(s.phase, Phase::Failed("rate limited".into()));
        // Progress after the end is ignored.
        s.apply(AuditAction::Progress {
            run: s.run,
            step: "x".into(),
            done: 9,
        });
        assert_eq!(s.phase, Phase::Failed("rate limited".into()));
    }

    #[test]
    fn fields_update() {
        let mut s = AuditState::default();
        assert_eq!(s.endpoint, "https://huggingface.co");
        s.apply(AuditAction::Input("org/model".into()));
        s.apply(AuditAction::Use(IntendedUse::Research));
        s.apply(AuditAction::Token("hf_x".into()));
        assert_eq!(
            (s.input.as_str(), s.intended_use, s.token.as_str()),
            ("org/model", IntendedUse::Research, "hf_x")
        );
        assert!(!s.remember_token);
        assert_eq!(s.token_for_endpoint().as_deref(), Some("hf_x"));
        assert_eq!(s.deadline_secs, 120);
        s.apply(AuditAction::Deadline("30".into()));
        for bad in ["0", "-1", "soon", "999999"] {
            s.apply(AuditAction::Deadline(bad.into()));
        }
        assert_eq!(s.deadline_secs, 30);
    }

    #[test]
    fn a_token_stays_with_its_origin() {
        let mut s = AuditState::default();
        s.apply(AuditAction::Token("hf_a".into()));
        s.apply(AuditAction::RememberToken(true));
        assert_eq!(s.saved_for(), Some("https://huggingface.co"));
        // Same origin, other spelling: kept.
        s.apply(AuditAction::Endpoint("https://huggingface.co/".into()));
        assert_eq!(s.token_for_endpoint().as_deref(), Some("hf_a"));
        // Another allowed endpoint: the token is dropped from memory.
        s.apply(AuditAction::Endpoint("https://hf-mirror.com".into()));
        assert_eq!(s.token_for_endpoint(), None);
        assert_eq!((s.token.as_str(), s.remember_token), ("", false));
        assert_eq!(s.saved_for(), None);
        // A token saved for huggingface.co is not taken while on the mirror.
        s.apply(AuditAction::SavedToken {
            origin: "https://huggingface.co".into(),
            token: "hf_a".into(),
        });
        assert_eq!(s.token_for_endpoint(), None);
        assert!(s.token.is_empty());
        // Back on huggingface.co the view loads it again.
        s.apply(AuditAction::Endpoint("https://huggingface.co".into()));
        s.apply(AuditAction::SavedToken {
            origin: "https://huggingface.co".into(),
            token: "hf_a".into(),
        });
        assert_eq!(s.token_for_endpoint().as_deref(), Some("hf_a"));
        assert_eq!(s.saved_for(), Some("https://huggingface.co"));
        s.apply(AuditAction::ForgetToken);
        assert_eq!(s.token_for_endpoint(), None);
        assert_eq!(s.saved_for(), None);
        // An endpoint that is no URL gets no token.
        s.apply(AuditAction::Endpoint("huggingface.co".into()));
        s.apply(AuditAction::Token("hf_b".into()));
        assert_eq!(s.token_for_endpoint(), None);
    }
}
