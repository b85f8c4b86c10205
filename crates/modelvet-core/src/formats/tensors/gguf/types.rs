//! ggml tensor types and llama.cpp file types, as numbered in `ggml.h` and
//! `llama.h`.

/// A ggml tensor type: name, elements per block, bytes per block.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GgmlType {
    /// Name as llama.cpp prints it.
    pub name: &'static str,
    /// Elements per quantisation block.
    pub block: u64,
    /// Bytes per block.
    pub size: u64,
}

const fn t(name: &'static str, block: u64, size: u64) -> Option<GgmlType> {
    Some(GgmlType { name, block, size })
}

/// The ggml type numbered `id`, if a ggml build knows it (removed types are `None`).
pub fn ggml_type(id: u32) -> Option<GgmlType> {
    match id {
        0 => t("F32", 1, 4),
        1 => t("F16", 1, 2),
        2 => t("Q4_0", 32, 18),
        3 => t("Q4_1", 32, 20),
        6 => t("Q5_0", 32, 22),
        7 => t("Q5_1", 32, 24),
        8 => t("Q8_0", 32, 34),
        9 => t("Q8_1", 32, 36),
        10 => t("Q2_K", 256, 84),
        11 => t("Q3_K", 256, 110),
        12 => t("Q4_K", 256, 144),
        13 => t("Q5_K", 256, 176),
        14 => t("Q6_K", 256, 210),
        15 => t("Q8_K", 256, 292),
        16 => t("IQ2_XXS", 256, 66),
        17 => t("IQ2_XS", 256, 74),
        18 => t("IQ3_XXS", 256, 98),
        19 => t("IQ1_S", 256, 50),
        20 => t("IQ4_NL", 32, 18),
        21 => t("IQ3_S", 256, 110),
        22 => t("IQ2_S", 256, 82),
        23 => t("IQ4_XS", 256, 136),
        24 => t("I8", 1, 1),
        25 => t("I16", 1, 2),
        26 => t("I32", 1, 4),
        27 => t("I64", 1, 8),
        28 => t("F64", 1, 8),
        29 => t("IQ1_M", 256, 56),
        30 => t("BF16", 1, 2),
        34 => t("TQ1_0", 256, 54),
        35 => t("TQ2_0", 256, 66),
        39 => t("MXFP4", 32, 17),
        _ => None,
    }
}

/// The name of llama.cpp file type (`general.file_type`) `id`.
pub fn file_type_name(id: u64) -> &'static str {
    match id {
        0 => "ALL_F32",
        1 => "MOSTLY_F16",
        2 => "MOSTLY_Q4_0",
        3 => "MOSTLY_Q4_1",
        7 => "MOSTLY_Q8_0",
        8 => "MOSTLY_Q5_0",
        9 => "MOSTLY_Q5_1",
        10 => "MOSTLY_Q2_K",
        11 => "MOSTLY_Q3_K_S",
        12 => "MOSTLY_Q3_K_M",
        13 => "MOSTLY_Q3_K_L",
        14 => "MOSTLY_Q4_K_S",
        15 => "MOSTLY_Q4_K_M",
        16 => "MOSTLY_Q5_K_S",
        17 => "MOSTLY_Q5_K_M",
        18 => "MOSTLY_Q6_K",
        19 => "MOSTLY_IQ2_XXS",
        20 => "MOSTLY_IQ2_XS",
        21 => "MOSTLY_Q2_K_S",
        22 => "MOSTLY_IQ3_XS",
        23 => "MOSTLY_IQ3_XXS",
        24 => "MOSTLY_IQ1_S",
        25 => "MOSTLY_IQ4_NL",
        26 => "MOSTLY_IQ3_S",
        27 => "MOSTLY_IQ3_M",
        28 => "MOSTLY_IQ2_S",
        29 => "MOSTLY_IQ2_M",
        30 => "MOSTLY_IQ4_XS",
        31 => "MOSTLY_IQ1_M",
        32 => "MOSTLY_BF16",
        36 => "MOSTLY_TQ1_0",
        37 => "MOSTLY_TQ2_0",
        38 => "MOSTLY_MXFP4_MOE",
        _ => "unknown",
    }
}
