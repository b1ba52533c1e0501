//! `vigil::sync::atomic`: mirrors `std::sync::atomic`, with happens-before tracking.
