//! Every name of the channel parts of the API contract resolves through the
//! facade (crossbeam's `tests/subcrates.rs` idea): `vigil::channel`,
//! `vigil::sync::mpsc` and `vigil::select!`.
#![allow(unused_imports)]

use vigil::channel::{
    after, at, bounded, bounded_named, never, tick, unbounded, unbounded_named, IntoIter, Iter,
    ReadyTimeoutError, Receiver, RecvError, RecvTimeoutError, Select, SelectTimeoutError, SelectedOperation,
    SendError, SendTimeoutError, Sender, TryIter, TryReadyError, TryRecvError, TrySelectError, TrySendError,
};
use vigil::select;
use vigil::sync::mpsc::{
    channel, channel_named, sync_channel, sync_channel_named, IntoIter as MpscIntoIter, Iter as MpscIter,
    Receiver as MpscReceiver, RecvError as MpscRecvError, RecvTimeoutError as MpscRecvTimeoutError,
    SendError as MpscSendError, Sender as MpscSender, SyncSender, TryIter as MpscTryIter,
    TryRecvError as MpscTryRecvError, TrySendError as MpscTrySendError,
};

#[test]
fn error_types_are_the_originals() {
    fn same<T>(_: T, _: T) {}
    same::<Option<crossbeam_channel::SendError<i32>>>(None, None::<SendError<i32>>);
    same::<Option<crossbeam_channel::TryRecvError>>(None, None::<TryRecvError>);
    same::<Option<crossbeam_channel::SelectTimeoutError>>(None, None::<SelectTimeoutError>);
    same::<Option<std::sync::mpsc::SendError<i32>>>(None, None::<MpscSendError<i32>>);
    same::<Option<std::sync::mpsc::TrySendError<i32>>>(None, None::<MpscTrySendError<i32>>);
    same::<Option<std::sync::mpsc::RecvTimeoutError>>(None, None::<MpscRecvTimeoutError>);
}

#[test]
fn select_macro_is_at_the_crate_root() {
    let (s, r) = bounded::<i32>(1);
    s.send(1).unwrap();
    let got = vigil::select! {
        recv(r) -> v => v,
    };
    assert_eq!(got, Ok(1));
}
