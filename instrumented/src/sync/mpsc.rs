//! `vigil::sync::mpsc`: mirrors `std::sync::mpsc`.
