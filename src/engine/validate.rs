//! Input validation (reference §14), as pure functions.
