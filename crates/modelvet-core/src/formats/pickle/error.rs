//! Why the pickle machine stopped before `STOP`.

use crate::source::ReadError;
use std::fmt;

/// Why the machine stopped.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Halt {
    /// The stream is not a valid pickle here: the real unpickler would raise.
    Malformed(String),
    /// The stream ended inside an opcode.
    Truncated(String),
    /// A named limit was reached (`pickle.max_ops`, ...), with its value.
    Limit(crate::LimitId, u64),
    /// The byte source failed.
    Read(ReadError),
}

impl Halt {
    /// A malformed-stream halt.
    pub fn malformed(msg: impl Into<String>) -> Halt {
        Halt::Malformed(msg.into())
    }
}

impl From<ReadError> for Halt {
    fn from(e: ReadError) -> Halt {
        Halt::Read(e)
    }
}

impl From<std::io::Error> for Halt {
    fn from(e: std::io::Error) -> Halt {
        Halt::Read(ReadError::new(e.to_string()))
    }
}

impl fmt::Display for Halt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Halt::Malformed(m) => f.write_str(m),
            Halt::Truncated(what) => write!(f, "the data ends inside {what}"),
            Halt::Limit(name, value) => write!(f, "limit `{name}` ({value}) reached"),
            Halt::Read(e) => write!(f, "read error: {e}"),
        }
    }
}
