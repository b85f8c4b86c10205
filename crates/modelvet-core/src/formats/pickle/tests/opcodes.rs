//! One test per opcode: the value the machine builds, rendered as Python,
//! is what CPython's unpickler would build.

use super::super::error::Halt;
use super::super::input::Input;
use super::super::render::render;
use super::super::vm::Machine;
use super::*;

fn eval(bytes: &[u8]) -> String {
    let limits = PickleLimits::default();
    let mut src = SliceSource::new(bytes);
    let mut input = Input::new(&mut src);
    let mut m = Machine::new(&limits);
    let v = m
        .run(&mut input)
        .unwrap_or_else(|e| panic!("{bytes:?}: {e}"));
    render(&v)
}

fn halt(bytes: &[u8]) -> Halt {
    let limits = PickleLimits::default();
    let mut src = SliceSource::new(bytes);
    let mut input = Input::new(&mut src);
    let mut m = Machine::new(&limits);
    m.run(&mut input).unwrap_err()
}

#[test]
fn stack_and_marks() {
    assert_eq!(eval(b"N."), "None"); // NONE, STOP
    assert_eq!(eval(b"(K\x01K\x02t."), "(1, 2)"); // MARK, TUPLE
    assert_eq!(eval(b"K\x01K\x020."), "1"); // POP
    assert_eq!(eval(b"K\x01(0."), "1"); // POP of an empty mark pops the mark
    assert_eq!(eval(b"K\x01(K\x02K\x031."), "1"); // POP_MARK
    assert_eq!(eval(b"K\x052\x86."), "(5, 5)"); // DUP
}

#[test]
fn numbers() {
    assert_eq!(eval(b"F1.5\n."), "1.5"); // FLOAT
    assert_eq!(eval(b"G?\xf8\x00\x00\x00\x00\x00\x00."), "1.5"); // BINFLOAT
    assert_eq!(eval(b"I42\n."), "42"); // INT
    assert_eq!(eval(b"I01\n."), "True");
    assert_eq!(eval(b"I00\n."), "False");
    assert_eq!(eval(b"J\xff\xff\xff\xff."), "-1"); // BININT
    assert_eq!(eval(b"K\x07."), "7"); // BININT1
    assert_eq!(eval(b"M\x00\x01."), "256"); // BININT2
    assert_eq!(eval(b"L123L\n."), "123"); // LONG
    assert_eq!(eval(b"\x8a\x02\xff\x7f."), "32767"); // LONG1
    assert_eq!(eval(b"\x8b\x01\x00\x00\x00\x80."), "-128"); // LONG4
    assert_eq!(eval(b"\x88\x89\x86."), "(True, False)"); // NEWTRUE, NEWFALSE
}

#[test]
fn strings_and_bytes() {
    assert_eq!(eval(b"S'a\\nb'\n."), "'a\\nb'"); // STRING
    assert_eq!(eval(b"T\x02\x00\x00\x00hi."), "'hi'"); // BINSTRING
    assert_eq!(eval(b"U\x02hi."), "'hi'"); // SHORT_BINSTRING
    assert_eq!(eval(b"Vcaf\\u00e9\n."), "'caf\u{e9}'"); // UNICODE
    assert_eq!(eval(b"X\x02\x00\x00\x00hi."), "'hi'"); // BINUNICODE
    assert_eq!(eval(b"\x8c\x02hi."), "'hi'"); // SHORT_BINUNICODE
    assert_eq!(eval(b"\x8d\x02\x00\x00\x00\x00\x00\x00\x00hi."), "'hi'"); // BINUNICODE8
    assert_eq!(eval(b"B\x01\x00\x00\x00z."), "b'z'"); // BINBYTES
    assert_eq!(eval(b"C\x01z."), "b'z'"); // SHORT_BINBYTES
    assert_eq!(eval(b"\x8e\x01\x00\x00\x00\x00\x00\x00\x00z."), "b'z'"); // BINBYTES8
    assert_eq!(
        eval(b"\x96\x01\x00\x00\x00\x00\x00\x00\x00z."),
        "bytearray(b'z')"
    ); // BYTEARRAY8
}

#[test]
fn long_strings_keep_a_prefix_only() {
    let mut bytes = b"\x8d".to_vec();
    bytes.extend_from_slice(&100_000u64.to_le_bytes());
    bytes.extend(std::iter::repeat_n(b'a', 100_000));
    bytes.push(b'.');
    let r = eval(&bytes);
    assert!(r.starts_with("'aaa") && r.ends_with('…'), "{r}");
    assert!(
        r.chars().count() <= super::super::render::MAX_RENDER + 1,
        "{r}"
    );
}

#[test]
fn containers() {
    assert_eq!(eval(b")."), "()"); // EMPTY_TUPLE
    assert_eq!(eval(b"K\x01\x85."), "(1,)"); // TUPLE1
    assert_eq!(eval(b"K\x01K\x02\x86."), "(1, 2)"); // TUPLE2
    assert_eq!(eval(b"K\x01K\x02K\x03\x87."), "(1, 2, 3)"); // TUPLE3
    assert_eq!(eval(b"]."), "[]"); // EMPTY_LIST
    assert_eq!(eval(b"(K\x01l."), "[1]"); // LIST
    assert_eq!(eval(b"]K\x01a."), "[1]"); // APPEND
    assert_eq!(eval(b"](K\x01K\x02e."), "[1, 2]"); // APPENDS
    assert_eq!(eval(b"}."), "{}"); // EMPTY_DICT
    assert_eq!(eval(b"(K\x01K\x02d."), "{1: 2}"); // DICT
    assert_eq!(eval(b"}K\x01K\x02s."), "{1: 2}"); // SETITEM
    assert_eq!(eval(b"}(K\x01K\x02K\x03K\x04u."), "{1: 2, 3: 4}"); // SETITEMS
    assert_eq!(eval(b"\x8f."), "set()"); // EMPTY_SET
    assert_eq!(eval(b"\x8f(K\x01\x90."), "{1}"); // ADDITEMS
    assert_eq!(eval(b"(K\x01\x91."), "frozenset({1})"); // FROZENSET
}

#[test]
fn memo() {
    assert_eq!(eval(b"K\x05p3\n0g3\n."), "5"); // PUT, GET
    assert_eq!(eval(b"K\x05q\x030h\x03."), "5"); // BINPUT, BINGET
    assert_eq!(eval(b"K\x05r\x00\x01\x00\x000j\x00\x01\x00\x00."), "5"); // LONG_BINPUT, LONG_BINGET
    assert_eq!(eval(b"K\x05\x940h\x00."), "5"); // MEMOIZE
                                                // Shared and mutable, as in Python: appending to the memoized list shows through.
    assert_eq!(eval(b"]q\x00K\x01ah\x00K\x02a0h\x00."), "[1, 2]");
}

#[test]
fn globals_and_calls() {
    assert_eq!(eval(b"cbuiltins\nset\n)R."), "builtins.set()"); // GLOBAL, REDUCE
    assert_eq!(
        eval(b"\x8c\x08builtins\x8c\x03set\x93)R."),
        "builtins.set()"
    ); // STACK_GLOBAL
    assert_eq!(
        eval(b"(K\x01iargparse\nNamespace\n."),
        "argparse.Namespace(1)"
    ); // INST
    assert_eq!(
        eval(b"(cargparse\nNamespace\nK\x01o."),
        "argparse.Namespace(1)"
    ); // OBJ
    assert_eq!(
        eval(b"cargparse\nNamespace\n)\x81."),
        "argparse.Namespace.__new__(argparse.Namespace)"
    ); // NEWOBJ
    assert_eq!(
        eval(b"cargparse\nNamespace\n)}\x92."),
        "argparse.Namespace.__new__(argparse.Namespace, **{})"
    ); // NEWOBJ_EX
    assert_eq!(eval(b"cargparse\nNamespace\n)R}b."), "argparse.Namespace()"); // BUILD
    assert_eq!(eval(b"\x82\x01."), "<extension code 1>"); // EXT1
    assert_eq!(eval(b"\x83\x00\x01."), "<extension code 256>"); // EXT2
    assert_eq!(eval(b"\x84\x00\x00\x01\x00."), "<extension code 65536>"); // EXT4
    assert_eq!(eval(b"P42\n."), "persistent_load('42')"); // PERSID
    assert_eq!(eval(b"K\x01Q."), "persistent_load(1)"); // BINPERSID
}

#[test]
fn protocol_framing_and_buffers() {
    assert_eq!(eval(b"\x80\x05N."), "None"); // PROTO
    assert_eq!(
        eval(b"\x80\x04\x95\x02\x00\x00\x00\x00\x00\x00\x00N."),
        "None"
    ); // FRAME
    assert_eq!(eval(b"\x97."), "<out-of-band buffer>"); // NEXT_BUFFER
    assert_eq!(eval(b"\x97\x98."), "<out-of-band buffer>"); // READONLY_BUFFER
}

#[test]
fn protocol_2_names_are_mapped_but_not_protocol_3() {
    assert_eq!(eval(b"\x80\x02c__builtin__\nset\n."), "builtins.set");
    assert_eq!(eval(b"\x80\x03c__builtin__\nset\n."), "__builtin__.set");
}

#[test]
fn errors_the_loader_raises() {
    for (bytes, want) in [
        (&b"\xff"[..], "invalid load key"),
        (b".", "stack underflow"),
        (b"0.", "could not find MARK"),
        (b"h\x00.", "memo value not found"),
        (b"(K\x01d.", "odd number"),
        (b"K\x01K\x02\x93.", "STACK_GLOBAL requires str"),
        (b"Sabc\n.", "must be quoted"),
        (b"T\xff\xff\xff\xff.", "negative length"),
        (b"\x80\x06N.", "unsupported pickle protocol"),
        (b"\x82\x00.", "code <= 0"),
        (b"(o.", "OBJ without a class"),
        (b"I1x\n.", "not an integer"),
        (b"p-1\n.", "negative PUT index"),
    ] {
        match halt(bytes) {
            Halt::Malformed(m) => assert!(m.contains(want), "{bytes:?}: {m}"),
            other => panic!("{bytes:?}: {other:?}"),
        }
    }
    for bytes in [&b"X\x05\x00\x00\x00ab"[..], b"cos\nsys", b"K", b"N"] {
        assert!(matches!(halt(bytes), Halt::Truncated(_)), "{bytes:?}");
    }
}
