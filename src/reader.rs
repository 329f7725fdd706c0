//! The pull reader (filled in by the reader issue).
