//! Typical pickles: what real checkpoints hold, and the attacks.

use super::Pickler;

/// One tensor of a state dict.
#[derive(Debug, Clone)]
pub struct TensorSpec {
    /// Key in the state dict.
    pub name: String,
    /// Storage class in `torch` (`FloatStorage`, `HalfStorage`, ...).
    pub storage: String,
    /// Shape (contiguous strides are derived).
    pub shape: Vec<i64>,
}

impl TensorSpec {
    /// A float32 tensor.
    pub fn f32(name: &str, shape: &[i64]) -> TensorSpec {
        TensorSpec {
            name: name.into(),
            storage: "FloatStorage".into(),
            shape: shape.to_vec(),
        }
    }
}

fn int_tuple(p: &mut Pickler, items: &[i64]) {
    if p.tuple_needs_mark(items.len()) {
        p.mark();
    }
    for &i in items {
        p.int(i);
    }
    p.tuple(items.len());
}

/// `data.pkl` of `torch.save(model.state_dict())` (protocol 2, as torch
/// writes it): an `OrderedDict` whose values are
/// `torch._utils._rebuild_tensor_v2(persistent_load(('storage',
/// torch.FloatStorage, '0', 'cpu', numel)), 0, size, stride, False,
/// OrderedDict())`, then `BUILD` of its `_metadata`.
pub fn torch_state_dict(tensors: &[TensorSpec]) -> Vec<u8> {
    let mut p = Pickler::new(2);
    p.global("collections", "OrderedDict");
    let od = 0;
    p.empty_tuple().reduce().memoize();
    if tensors.len() > 1 {
        p.mark();
    }
    let mut rebuild: Option<u32> = None;
    let mut storages: Vec<(String, u32)> = Vec::new();
    for (i, t) in tensors.iter().enumerate() {
        p.str(&t.name);
        match rebuild {
            Some(m) => {
                p.get(m);
            }
            None => {
                rebuild = Some(p.next_memo());
                p.global("torch._utils", "_rebuild_tensor_v2");
            }
        }
        p.mark();
        // Persistent id tuple.
        p.mark();
        p.str("storage");
        match storages.iter().find(|(s, _)| *s == t.storage) {
            Some((_, m)) => {
                p.get(*m);
            }
            None => {
                storages.push((t.storage.clone(), p.next_memo()));
                p.global("torch", &t.storage);
            }
        }
        let numel: i64 = t.shape.iter().product();
        p.str(&i.to_string()).str("cpu").int(numel);
        p.tuple_mark().memoize().binpersid();
        p.int(0);
        int_tuple(&mut p, &t.shape);
        let mut stride = vec![1i64; t.shape.len()];
        for d in (0..t.shape.len().saturating_sub(1)).rev() {
            stride[d] = stride[d + 1] * t.shape[d + 1];
        }
        int_tuple(&mut p, &stride);
        p.bool(false);
        p.get(od).empty_tuple().reduce().memoize();
        p.tuple_mark().memoize().reduce().memoize();
    }
    p.op(if tensors.len() > 1 { b'u' } else { b's' });
    // _metadata = OrderedDict([('', {'version': 1})])
    p.empty_dict().memoize();
    p.str("_metadata");
    p.get(od).empty_tuple().reduce().memoize();
    p.str("")
        .empty_dict()
        .memoize()
        .str("version")
        .int(1)
        .setitem();
    p.setitem().setitem();
    p.build();
    p.finish()
}

/// `pickle.dumps(numpy.arange(n, dtype='float64'), protocol)` for protocol 2 or 4+
/// (numpy 2.x module path `numpy._core.multiarray`).
pub fn numpy_arange_f64(proto: u8, n: usize) -> Vec<u8> {
    let data: Vec<u8> = (0..n).flat_map(|i| (i as f64).to_le_bytes()).collect();
    let mut p = Pickler::new(proto);
    p.global("numpy._core.multiarray", "_reconstruct");
    let ndarray = p.next_memo();
    p.global("numpy", "ndarray");
    p.int(0).tuple(1);
    let mut encode: Option<(u32, u32)> = None;
    if proto >= 3 {
        p.bytes(b"b");
    } else {
        let enc = p.next_memo();
        p.global("_codecs", "encode").str("b");
        let latin1 = p.next_memo();
        p.str("latin1").tuple(2).reduce().memoize();
        encode = Some((enc, latin1));
    }
    p.tuple(3).reduce().memoize();
    p.mark().int(1).int(n as i64).tuple(1);
    if proto >= 4 {
        p.get(ndarray).str("dtype").stack_global().memoize();
    } else {
        p.global("numpy", "dtype");
    }
    p.str("f8")
        .bool(false)
        .bool(true)
        .tuple(3)
        .reduce()
        .memoize();
    p.mark()
        .int(3)
        .str("<")
        .none()
        .none()
        .none()
        .int(-1)
        .int(-1)
        .int(0);
    p.tuple_mark().memoize().build();
    p.bool(false);
    match encode {
        Some((enc, latin1)) => {
            let text: String = data.iter().map(|&b| char::from(b)).collect();
            p.get(enc)
                .str(&text)
                .get(latin1)
                .tuple(2)
                .reduce()
                .memoize();
        }
        None => {
            p.bytes(&data);
        }
    }
    p.tuple_mark().memoize().build();
    p.finish()
}

/// `joblib.dump({'w': numpy.arange(n, dtype='float64')})` (joblib 1.5,
/// protocol 4): a `NumpyArrayWrapper` whose `BUILD` is followed, outside the
/// frame, by a padding byte, padding to 16-byte alignment and the raw data.
pub fn joblib_dict_f64(n: usize) -> Vec<u8> {
    let mut p = Pickler::new(4);
    p.empty_dict().memoize().str("w");
    p.global("joblib.numpy_pickle", "NumpyArrayWrapper");
    p.empty_tuple().newobj().memoize();
    p.empty_dict().memoize().mark();
    p.str("subclass");
    let numpy = p.next_memo();
    p.global("numpy", "ndarray");
    p.str("shape").int(n as i64).tuple(1);
    p.str("order").str("C");
    p.str("dtype")
        .get(numpy)
        .str("dtype")
        .stack_global()
        .memoize();
    p.str("f8")
        .bool(false)
        .bool(true)
        .tuple(3)
        .reduce()
        .memoize();
    p.mark()
        .int(3)
        .str("<")
        .none()
        .none()
        .none()
        .int(-1)
        .int(-1)
        .int(0);
    p.tuple_mark().memoize().build();
    p.str("allow_mmap").bool(true);
    p.str("numpy_array_alignment_bytes").int(16);
    p.setitems().build();
    let mut out = p.finish_raw();
    // Padding so the data starts at a multiple of 16 (plus the padding byte).
    let pad = 16 - (out.len() + 1) % 16;
    out.push(pad as u8);
    out.extend(std::iter::repeat_n(0xffu8, pad));
    for i in 0..n {
        out.extend_from_slice(&(i as f64).to_le_bytes());
    }
    out.extend_from_slice(b"s.");
    out
}

/// `joblib.dump(numpy.array([1, 'a'], dtype=object), f)` with joblib 1.5 (verbatim): the array's items
/// are a nested protocol 5 pickle right after the wrapper's BUILD.
pub const JOBLIB_OBJECT_ARRAY: &[u8] = b"\x80\x04\x95\xd1\x00\x00\x00\x00\x00\x00\x00\x8c\x13joblib.numpy_pickle\x94\x8c\x11NumpyArrayWrapper\x94\x93\x94)\x81\x94}\x94(\x8c\x08subclass\x94\x8c\x05numpy\x94\x8c\x07ndarray\x94\x93\x94\x8c\x05shape\x94K\x02\x85\x94\x8c\x05order\x94\x8c\x01C\x94\x8c\x05dtype\x94h\x06\x8c\x05dtype\x94\x93\x94\x8c\x02O8\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01|\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?t\x94b\x8c\nallow_mmap\x94\x89\x8c\x1bnumpy_array_alignment_bytes\x94K\x10ub\x80\x05\x95\x90\x00\x00\x00\x00\x00\x00\x00\x8c\x16numpy._core.multiarray\x94\x8c\x0c_reconstruct\x94\x93\x94\x8c\x05numpy\x94\x8c\x07ndarray\x94\x93\x94K\x00\x85\x94C\x01b\x94\x87\x94R\x94(K\x01K\x02\x85\x94h\x03\x8c\x05dtype\x94\x93\x94\x8c\x02O8\x94\x89\x88\x87\x94R\x94(K\x03\x8c\x01|\x94NNNJ\xff\xff\xff\xffJ\xff\xff\xff\xffK?t\x94b\x89]\x94(K\x01\x8c\x01a\x94et\x94b..";
