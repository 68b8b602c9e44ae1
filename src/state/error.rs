//! Typed engine errors: each carries the AWS exception it answers with.

use crate::model::Exception;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApiError {
    pub exception: Exception,
    pub message: String,
}

impl ApiError {
    pub fn new(exception: Exception, message: impl Into<String>) -> Self {
        ApiError {
            exception,
            message: message.into(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.exception.name(), self.message)
    }
}

impl std::error::Error for ApiError {}

pub type ApiResult<T> = Result<T, ApiError>;

/// Shorthand: `err(Exception::X, "...")`.
pub fn err<T>(exception: Exception, message: impl Into<String>) -> ApiResult<T> {
    Err(ApiError::new(exception, message))
}
