//! Glue to the browser shared by the features: reading `Blob`s (whole
//! windows with `FileReaderSync`, or streamed), walking drops and picker
//! selections, saving downloads, and turning JS errors into messages.

pub mod blob_source;
pub mod blob_stream;
pub mod download;
pub mod entries;
pub mod js;
