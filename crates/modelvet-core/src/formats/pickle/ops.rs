//! The pickle opcodes, protocols 0 to 5, as `Lib/pickletools.py` lists them.

/// Push a mark onto the stack (starts a tuple, list, dict or call arguments).
pub const MARK: u8 = b'(';
/// End of the pickle; the top of the stack is the result.
pub const STOP: u8 = b'.';
/// Discard the top item (or the topmost mark when the stack above it is empty).
pub const POP: u8 = b'0';
/// Discard everything down to and including the topmost mark.
pub const POP_MARK: u8 = b'1';
/// Duplicate the top item.
pub const DUP: u8 = b'2';
/// Protocol 0 float: decimal text line.
pub const FLOAT: u8 = b'F';
/// Protocol 0 int (or bool `01`/`00`): decimal text line.
pub const INT: u8 = b'I';
/// 4-byte signed little-endian int.
pub const BININT: u8 = b'J';
/// 1-byte unsigned int.
pub const BININT1: u8 = b'K';
/// Protocol 0 long: decimal text line with a trailing `L`.
pub const LONG: u8 = b'L';
/// 2-byte unsigned little-endian int.
pub const BININT2: u8 = b'M';
/// `None`.
pub const NONE: u8 = b'N';
/// Persistent id: text line.
pub const PERSID: u8 = b'P';
/// Persistent id: popped from the stack.
pub const BINPERSID: u8 = b'Q';
/// Call: `args = pop(); f = top(); top = f(*args)`.
pub const REDUCE: u8 = b'R';
/// Protocol 0 string: quoted, escaped text line.
pub const STRING: u8 = b'S';
/// String with a 4-byte signed length.
pub const BINSTRING: u8 = b'T';
/// String with a 1-byte length.
pub const SHORT_BINSTRING: u8 = b'U';
/// Protocol 0 unicode: raw-unicode-escape text line.
pub const UNICODE: u8 = b'V';
/// UTF-8 string with a 4-byte length.
pub const BINUNICODE: u8 = b'X';
/// `list.append(value)`.
pub const APPEND: u8 = b'a';
/// `__setstate__` or `__dict__.update`: `state = pop(); build(top, state)`.
pub const BUILD: u8 = b'b';
/// Import `module.name` from two text lines.
pub const GLOBAL: u8 = b'c';
/// Dict from the items above the topmost mark.
pub const DICT: u8 = b'd';
/// Empty dict.
pub const EMPTY_DICT: u8 = b'}';
/// `list.extend(items above mark)`.
pub const APPENDS: u8 = b'e';
/// Push a memo entry: text line index.
pub const GET: u8 = b'g';
/// Push a memo entry: 1-byte index.
pub const BINGET: u8 = b'h';
/// Import `module.name` (two lines) and call it with the items above the mark.
pub const INST: u8 = b'i';
/// Push a memo entry: 4-byte index.
pub const LONG_BINGET: u8 = b'j';
/// List from the items above the topmost mark.
pub const LIST: u8 = b'l';
/// Empty list.
pub const EMPTY_LIST: u8 = b']';
/// Call the first item above the mark with the others.
pub const OBJ: u8 = b'o';
/// Store the top in the memo: text line index.
pub const PUT: u8 = b'p';
/// Store the top in the memo: 1-byte index.
pub const BINPUT: u8 = b'q';
/// Store the top in the memo: 4-byte index.
pub const LONG_BINPUT: u8 = b'r';
/// `dict[key] = value`.
pub const SETITEM: u8 = b's';
/// Tuple from the items above the topmost mark.
pub const TUPLE: u8 = b't';
/// Empty tuple.
pub const EMPTY_TUPLE: u8 = b')';
/// `dict[k] = v` for the pairs above the mark.
pub const SETITEMS: u8 = b'u';
/// 8-byte big-endian float.
pub const BINFLOAT: u8 = b'G';
/// Protocol version (protocol 2+).
pub const PROTO: u8 = 0x80;
/// `cls.__new__(cls, *args)`.
pub const NEWOBJ: u8 = 0x81;
/// Extension registry code, 1 byte.
pub const EXT1: u8 = 0x82;
/// Extension registry code, 2 bytes.
pub const EXT2: u8 = 0x83;
/// Extension registry code, 4 bytes.
pub const EXT4: u8 = 0x84;
/// 1-tuple from the top item.
pub const TUPLE1: u8 = 0x85;
/// 2-tuple from the top items.
pub const TUPLE2: u8 = 0x86;
/// 3-tuple from the top items.
pub const TUPLE3: u8 = 0x87;
/// `True`.
pub const NEWTRUE: u8 = 0x88;
/// `False`.
pub const NEWFALSE: u8 = 0x89;
/// Long with a 1-byte length (two's complement, little-endian).
pub const LONG1: u8 = 0x8a;
/// Long with a 4-byte signed length.
pub const LONG4: u8 = 0x8b;
/// Bytes with a 4-byte length.
pub const BINBYTES: u8 = b'B';
/// Bytes with a 1-byte length.
pub const SHORT_BINBYTES: u8 = b'C';
/// UTF-8 string with a 1-byte length.
pub const SHORT_BINUNICODE: u8 = 0x8c;
/// UTF-8 string with an 8-byte length.
pub const BINUNICODE8: u8 = 0x8d;
/// Bytes with an 8-byte length.
pub const BINBYTES8: u8 = 0x8e;
/// Empty set.
pub const EMPTY_SET: u8 = 0x8f;
/// `set.update(items above mark)`.
pub const ADDITEMS: u8 = 0x90;
/// Frozenset from the items above the mark.
pub const FROZENSET: u8 = 0x91;
/// `cls.__new__(cls, *args, **kwargs)`.
pub const NEWOBJ_EX: u8 = 0x92;
/// Import `module.qualname` from two strings on the stack.
pub const STACK_GLOBAL: u8 = 0x93;
/// Store the top in the memo at index `len(memo)`.
pub const MEMOIZE: u8 = 0x94;
/// Frame: 8-byte length of the opcodes that follow.
pub const FRAME: u8 = 0x95;
/// Bytearray with an 8-byte length.
pub const BYTEARRAY8: u8 = 0x96;
/// Take the next out-of-band buffer.
pub const NEXT_BUFFER: u8 = 0x97;
/// Make the top buffer read-only.
pub const READONLY_BUFFER: u8 = 0x98;

/// The highest protocol the reference unpickler accepts.
pub const HIGHEST_PROTOCOL: u8 = 5;

/// The pickletools name of an opcode, `None` if the byte is no opcode.
pub fn name(op: u8) -> Option<&'static str> {
    Some(match op {
        MARK => "MARK",
        STOP => "STOP",
        POP => "POP",
        POP_MARK => "POP_MARK",
        DUP => "DUP",
        FLOAT => "FLOAT",
        INT => "INT",
        BININT => "BININT",
        BININT1 => "BININT1",
        LONG => "LONG",
        BININT2 => "BININT2",
        NONE => "NONE",
        PERSID => "PERSID",
        BINPERSID => "BINPERSID",
        REDUCE => "REDUCE",
        STRING => "STRING",
        BINSTRING => "BINSTRING",
        SHORT_BINSTRING => "SHORT_BINSTRING",
        UNICODE => "UNICODE",
        BINUNICODE => "BINUNICODE",
        APPEND => "APPEND",
        BUILD => "BUILD",
        GLOBAL => "GLOBAL",
        DICT => "DICT",
        EMPTY_DICT => "EMPTY_DICT",
        APPENDS => "APPENDS",
        GET => "GET",
        BINGET => "BINGET",
        INST => "INST",
        LONG_BINGET => "LONG_BINGET",
        LIST => "LIST",
        EMPTY_LIST => "EMPTY_LIST",
        OBJ => "OBJ",
        PUT => "PUT",
        BINPUT => "BINPUT",
        LONG_BINPUT => "LONG_BINPUT",
        SETITEM => "SETITEM",
        TUPLE => "TUPLE",
        EMPTY_TUPLE => "EMPTY_TUPLE",
        SETITEMS => "SETITEMS",
        BINFLOAT => "BINFLOAT",
        PROTO => "PROTO",
        NEWOBJ => "NEWOBJ",
        EXT1 => "EXT1",
        EXT2 => "EXT2",
        EXT4 => "EXT4",
        TUPLE1 => "TUPLE1",
        TUPLE2 => "TUPLE2",
        TUPLE3 => "TUPLE3",
        NEWTRUE => "NEWTRUE",
        NEWFALSE => "NEWFALSE",
        LONG1 => "LONG1",
        LONG4 => "LONG4",
        BINBYTES => "BINBYTES",
        SHORT_BINBYTES => "SHORT_BINBYTES",
        SHORT_BINUNICODE => "SHORT_BINUNICODE",
        BINUNICODE8 => "BINUNICODE8",
        BINBYTES8 => "BINBYTES8",
        EMPTY_SET => "EMPTY_SET",
        ADDITEMS => "ADDITEMS",
        FROZENSET => "FROZENSET",
        NEWOBJ_EX => "NEWOBJ_EX",
        STACK_GLOBAL => "STACK_GLOBAL",
        MEMOIZE => "MEMOIZE",
        FRAME => "FRAME",
        BYTEARRAY8 => "BYTEARRAY8",
        NEXT_BUFFER => "NEXT_BUFFER",
        READONLY_BUFFER => "READONLY_BUFFER",
        _ => return None,
    })
}
