//! The audit view's state and reducer. Pure: no browser types.

use modelvet_core::card::{CardAudit, IntendedUse};
use modelvet_core::hub::DEFAULT_ENDPOINT;
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
    /// Whether the user opted in to keeping the token in local storage.
    pub remember_token: bool,
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
            remember_token: false,
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
    /// The token changed.
    Token(String),
    /// The "remember token" box changed.
    RememberToken(bool),
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
            AuditAction::Endpoint(e) => self.endpoint = e,
            AuditAction::Token(t) => self.token = t,
            AuditAction::RememberToken(r) => self.remember_token = r,
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
    }
}
