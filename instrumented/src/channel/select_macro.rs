//! The `select!` macro: crossbeam's syntax over vigil channel ends, built on
//! [`Select`](super::Select) so that a waiting `select!` is visible.
//!
//! Expansion, in three steps (each a rule of the hidden `__vigil_select!`):
//! `@parse` normalises the cases into `(recv r pat body)` / `(send s v pat
//! body)` plus an optional default; `@bind` evaluates each operand once
//! (`match $r { ref op => … }`, so an operand may be an end, a reference to
//! one, or a temporary such as `after(d)` or `ctx.done()`), coercing it to
//! `&Receiver<_>` / `&Sender<_>`; `@gen` registers them in order with a
//! `Select`, selects (`select`, `try_select` for `default`, `select_timeout`
//! for `default(timeout)`) and completes the chosen operation before its body.

/// Waits on several channel operations at once and runs the first that
/// completes — mirrors `crossbeam_channel::select!`, with the same syntax:
/// `recv(r) -> msg => body`, `send(s, v) -> res => body`, `default => body`,
/// `default(timeout) => body` (`default()` is `default`). An operand may be a
/// channel end or a reference to one. A send's value is evaluated only if that send is chosen.
///
/// # Examples
///
/// ```
/// use std::time::Duration;
/// use vigil::channel::{after, unbounded};
///
/// let (s1, r1) = unbounded();
/// let (s2, r2) = unbounded::<i32>();
/// s1.send(10).unwrap();
///
/// vigil::select! {
///     recv(r1) -> msg => assert_eq!(msg, Ok(10)),
///     recv(&r2) -> _ => panic!("r2 is empty"),
///     recv(after(Duration::from_secs(5))) -> _ => panic!("timed out"),
/// }
///
/// // A send case, and a default for when nothing is ready.
/// let (s3, _r3) = vigil::channel::bounded(0);
/// let v = vigil::select! {
///     send(s3, 1) -> res => res.map(|()| 1).unwrap_or(-1),
///     default => 0,
/// };
/// assert_eq!(v, 0);
///
/// // `default(timeout)` runs if nothing is ready in time.
/// vigil::select! {
///     recv(r2) -> _ => panic!("r2 is empty"),
///     default(Duration::from_millis(5)) => {}
/// }
/// # drop(s2);
/// ```
///
/// # Differences from crossbeam-channel
///
/// While it waits, the worker is blocked in `select` on every channel of the
/// cases (a leak report lists them all), at the `select!` site.
#[macro_export]
macro_rules! select {
    ($($tokens:tt)*) => {
        $crate::__vigil_select!(@parse new () () $($tokens)*)
    };
}

/// [`select!`] that prefers the earliest ready case instead of picking one
/// at random — mirrors `crossbeam_channel::select_biased!`.
///
/// # Examples
///
/// ```
/// let (s1, r1) = vigil::channel::unbounded();
/// let (s2, r2) = vigil::channel::unbounded();
/// s1.send(1).unwrap();
/// s2.send(2).unwrap();
/// let first = vigil::select_biased! {
///     recv(r1) -> v => v.unwrap(),
///     recv(r2) -> v => v.unwrap(),
/// };
/// assert_eq!(first, 1); // both ready: the first case wins
/// ```
///
/// # Differences from crossbeam-channel
///
/// As for [`select!`]: a wait is visible as `select` on every channel.
#[macro_export]
macro_rules! select_biased {
    ($($tokens:tt)*) => {
        $crate::__vigil_select!(@parse new_biased () () $($tokens)*)
    };
}

#[doc(hidden)]
#[macro_export]
macro_rules! __vigil_select {
    // === @parse: (cases) (default) tokens… ===
    (@parse $new:ident ($($cases:tt)*) $default:tt) => {
        $crate::__vigil_select!(@bind $new () ($($cases)*) $default)
    };
    (@parse $new:ident ($($cases:tt)*) $default:tt recv($r:expr $(,)?) -> $res:pat => $body:block , $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new ($($cases)* (recv $r $res $body)) $default $($rest)*)
    };
    (@parse $new:ident ($($cases:tt)*) $default:tt recv($r:expr $(,)?) -> $res:pat => $body:block $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new ($($cases)* (recv $r $res $body)) $default $($rest)*)
    };
    (@parse $new:ident ($($cases:tt)*) $default:tt recv($r:expr $(,)?) -> $res:pat => $body:expr , $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new ($($cases)* (recv $r $res $body)) $default $($rest)*)
    };
    (@parse $new:ident ($($cases:tt)*) $default:tt recv($r:expr $(,)?) -> $res:pat => $body:expr) => {
        $crate::__vigil_select!(@parse $new ($($cases)* (recv $r $res $body)) $default)
    };
    (@parse $new:ident ($($cases:tt)*) $default:tt send($s:expr, $m:expr $(,)?) -> $res:pat => $body:block , $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new ($($cases)* (send $s $m $res $body)) $default $($rest)*)
    };
    (@parse $new:ident ($($cases:tt)*) $default:tt send($s:expr, $m:expr $(,)?) -> $res:pat => $body:block $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new ($($cases)* (send $s $m $res $body)) $default $($rest)*)
    };
    (@parse $new:ident ($($cases:tt)*) $default:tt send($s:expr, $m:expr $(,)?) -> $res:pat => $body:expr , $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new ($($cases)* (send $s $m $res $body)) $default $($rest)*)
    };
    (@parse $new:ident ($($cases:tt)*) $default:tt send($s:expr, $m:expr $(,)?) -> $res:pat => $body:expr) => {
        $crate::__vigil_select!(@parse $new ($($cases)* (send $s $m $res $body)) $default)
    };
    (@parse $new:ident $cases:tt () default() => $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new $cases () default => $($rest)*)
    };
    (@parse $new:ident $cases:tt () default => $body:block , $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new $cases (now $body) $($rest)*)
    };
    (@parse $new:ident $cases:tt () default => $body:block $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new $cases (now $body) $($rest)*)
    };
    (@parse $new:ident $cases:tt () default => $body:expr , $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new $cases (now $body) $($rest)*)
    };
    (@parse $new:ident $cases:tt () default => $body:expr) => {
        $crate::__vigil_select!(@parse $new $cases (now $body))
    };
    (@parse $new:ident $cases:tt () default($t:expr $(,)?) => $body:block , $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new $cases (timeout $t $body) $($rest)*)
    };
    (@parse $new:ident $cases:tt () default($t:expr $(,)?) => $body:block $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new $cases (timeout $t $body) $($rest)*)
    };
    (@parse $new:ident $cases:tt () default($t:expr $(,)?) => $body:expr , $($rest:tt)*) => {
        $crate::__vigil_select!(@parse $new $cases (timeout $t $body) $($rest)*)
    };
    (@parse $new:ident $cases:tt () default($t:expr $(,)?) => $body:expr) => {
        $crate::__vigil_select!(@parse $new $cases (timeout $t $body))
    };
    (@parse $new:ident $cases:tt ($($default:tt)+) default $($rest:tt)*) => {
        ::core::compile_error!("there can be only one `default` case in a `select!` block")
    };
    (@parse $new:ident $cases:tt $default:tt $($rest:tt)+) => {
        ::core::compile_error!(
            "expected `recv(r) -> msg => body`, `send(s, v) -> res => body`, `default => body` \
             or `default(timeout) => body` in `select!`"
        )
    };

    // === @bind: evaluate each operand once, as a reference to a vigil end ===
    (@bind $new:ident ($($done:tt)*) ((recv $r:tt $res:tt $body:tt) $($todo:tt)*) $default:tt) => {
        match $r {
            ref __op => {
                let __op: &$crate::channel::Receiver<_> = __op;
                $crate::__vigil_select!(@bind $new ($($done)* (recv __op __idx () $res, $body)) ($($todo)*) $default)
            }
        }
    };
    (@bind $new:ident ($($done:tt)*) ((send $s:tt $m:tt $res:tt $body:tt) $($todo:tt)*) $default:tt) => {
        match $s {
            ref __op => {
                let __op: &$crate::channel::Sender<_> = __op;
                $crate::__vigil_select!(@bind $new ($($done)* (send __op __idx ($m) $res, $body)) ($($todo)*) $default)
            }
        }
    };
    (@bind $new:ident $done:tt () $default:tt) => {
        $crate::__vigil_select!(@gen $new $done $default)
    };

    // === @gen: register, select, complete, run the body ===
    (@gen $new:ident ($(($kind:ident $op:ident $idx:ident $m:tt $res:pat, $body:tt))*) ()) => {{
        let mut __sel = $crate::channel::Select::$new();
        $( let $idx = __sel.$kind($op); )*
        let __oper = __sel.select();
        $crate::__vigil_select!(@dispatch __oper ($(($kind $op $idx $m $res, $body))*))
    }};
    (@gen $new:ident ($(($kind:ident $op:ident $idx:ident $m:tt $res:pat, $body:tt))*) (now $dbody:tt)) => {{
        let mut __sel = $crate::channel::Select::$new();
        $( let $idx = __sel.$kind($op); )*
        match __sel.try_select() {
            ::core::result::Result::Ok(__oper) => {
                $crate::__vigil_select!(@dispatch __oper ($(($kind $op $idx $m $res, $body))*))
            }
            ::core::result::Result::Err(_) => $dbody,
        }
    }};
    (@gen $new:ident ($(($kind:ident $op:ident $idx:ident $m:tt $res:pat, $body:tt))*) (timeout $t:tt $dbody:tt)) => {{
        let mut __sel = $crate::channel::Select::$new();
        $( let $idx = __sel.$kind($op); )*
        match __sel.select_timeout($t) {
            ::core::result::Result::Ok(__oper) => {
                $crate::__vigil_select!(@dispatch __oper ($(($kind $op $idx $m $res, $body))*))
            }
            ::core::result::Result::Err(_) => $dbody,
        }
    }};
    (@dispatch $oper:ident ($(($kind:ident $op:ident $idx:ident $m:tt $res:pat, $body:tt))*)) => {{
        let __i = $oper.index();
        $(
            if __i == $idx {
                let $res = $crate::__vigil_select!(@complete $kind $oper $op $m);
                $body
            } else
        )* {
            ::core::unreachable!("select! completed an operation it did not register")
        }
    }};

    (@complete recv $oper:ident $op:ident ()) => {
        $oper.recv($op)
    };
    (@complete send $oper:ident $op:ident ($m:expr)) => {
        $oper.send($op, $m)
    };
}
