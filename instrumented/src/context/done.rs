//! The channel behind `Context::done()`: a rendezvous channel whose only
//! sender is kept by the context until it is cancelled.

/// What `Context::done()` returns.
pub type DoneReceiver = crossbeam_channel::Receiver<()>;

pub(crate) type DoneSender = crossbeam_channel::Sender<()>;

pub(crate) fn done_channel() -> (DoneSender, DoneReceiver) {
    crossbeam_channel::bounded(0)
}

/// A receiver that never disconnects (the background context's).
pub(crate) fn never() -> DoneReceiver {
    crossbeam_channel::never()
}
