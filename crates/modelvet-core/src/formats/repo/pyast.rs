//! Name resolution over a Python syntax tree (Ruff's `ruff_python_ast`): imports,
//! aliases and assignments bind names to dotted paths, and every call (and
//! every callable passed as an argument) is recorded with the path it is
//! written as. Resolution is flow-insensitive: a name bound twice may be
//! either, and both are judged.

use ruff_python_ast::visitor::{self, Visitor};
use ruff_python_ast::{self as ast, Expr, Stmt};
use std::collections::BTreeMap;

/// Most bindings kept per name, and most names bound.
const MAX_BINDINGS_PER_NAME: usize = 8;
const MAX_NAMES: usize = 10_000;
/// Most references recorded in one file.
const MAX_REFS: usize = 100_000;
/// Most leading dots of a relative import kept (`from ..... import x`).
const MAX_LEVEL: usize = 256;
/// Longest chain of bindings followed (`a = b; b = c; ...`).
const MAX_CHAIN: u32 = 16;

/// A path as written: a name (to resolve) or a module given as a string
/// (`__import__("os")`), then attributes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Path {
    /// The first part.
    pub head: Head,
    /// Attributes after it.
    pub attrs: Vec<String>,
}

/// The first part of a [`Path`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Head {
    /// A name, resolved through the file's bindings.
    Name(String),
    /// An absolute module named by a string (`__import__("os")`,
    /// `importlib.import_module("os")`).
    Module(String),
}

impl Path {
    /// The path as written (`o.system`, `__import__('os').system`).
    pub fn written(&self) -> String {
        let mut s = match &self.head {
            Head::Name(n) => n.clone(),
            Head::Module(m) => format!("__import__('{m}')"),
        };
        for a in &self.attrs {
            s.push('.');
            s.push_str(a);
        }
        s
    }
}

/// A call or a reference to a callable, as written.
#[derive(Debug, Clone)]
pub struct Ref {
    /// What is called or referred to.
    pub path: Path,
    /// Byte offset in the source.
    pub offset: usize,
    /// Whether it is called (otherwise passed as a value).
    pub called: bool,
    /// `weights_only=True` among the keywords.
    pub weights_only: bool,
    /// `allow_pickle=True` among the keywords.
    pub allow_pickle: bool,
    /// For `getattr(x, name)` with a computed name: the path of `x`.
    pub getattr_of: Option<Path>,
}

/// A name bound to a path, and how (`import os as o`, `x = os`).
#[derive(Debug, Clone)]
pub struct Binding {
    /// What the name stands for.
    pub path: Path,
    /// The statement that bound it, for evidence.
    pub how: String,
}

/// What a walk over a module found.
#[derive(Debug, Default)]
pub struct Collected {
    /// Name bindings.
    pub bindings: BTreeMap<String, Vec<Binding>>,
    /// Modules star-imported (`from os import *`).
    pub star: Vec<String>,
    /// Calls and references.
    pub refs: Vec<Ref>,
}

impl Collected {
    fn bind(&mut self, name: &str, path: Path, how: String) {
        if self.bindings.len() >= MAX_NAMES && !self.bindings.contains_key(name) {
            return;
        }
        let list = self.bindings.entry(name.to_owned()).or_default();
        if list.len() < MAX_BINDINGS_PER_NAME && !list.iter().any(|b| b.path == path) {
            list.push(Binding { path, how });
        }
    }

    /// Every dotted path `path` may stand for, with the bindings followed
    /// and whether it is only a guess through a star import.
    pub fn resolve(&self, path: &Path) -> Vec<(String, Vec<String>, bool)> {
        let mut out = Vec::new();
        self.resolve_into(path, &mut Vec::new(), 0, &mut out);
        out
    }

    fn resolve_into(
        &self,
        path: &Path,
        chain: &mut Vec<String>,
        depth: u32,
        out: &mut Vec<(String, Vec<String>, bool)>,
    ) {
        if out.len() >= 32 {
            return;
        }
        let suffix = path.attrs.join(".");
        let join = |base: &str| {
            if suffix.is_empty() {
                base.to_owned()
            } else {
                format!("{base}.{suffix}")
            }
        };
        match &path.head {
            Head::Module(m) => out.push((join(m), chain.clone(), false)),
            Head::Name(name) => {
                let bindings = self.bindings.get(name).filter(|_| depth < MAX_CHAIN);
                match bindings {
                    Some(list) => {
                        for b in list {
                            let mut next = b.path.clone();
                            next.attrs.extend(path.attrs.iter().cloned());
                            chain.push(b.how.clone());
                            self.resolve_into(&next, chain, depth.saturating_add(1), out);
                            chain.pop();
                        }
                    }
                    None => {
                        // Unbound names are builtins (`eval`) or locals; a
                        // star import may define them too.
                        out.push((join(name), chain.clone(), false));
                        if !BUILTINS.contains(&name.as_str()) {
                            for m in &self.star {
                                let mut c = chain.clone();
                                c.push(format!("from {m} import *"));
                                out.push((join(&format!("{m}.{name}")), c, true));
                            }
                        }
                    }
                }
            }
        }
    }
}

/// Builtins that matter when called by their bare name.
const BUILTINS: &[&str] = &[
    "eval",
    "exec",
    "compile",
    "__import__",
    "getattr",
    "open",
    "breakpoint",
];

/// The path an expression stands for, when it is a name, an attribute chain,
/// `getattr(x, "literal")`, `__import__("m")` or `importlib.import_module("m")`.
pub fn path_of(e: &Expr) -> Option<Path> {
    match e {
        Expr::Name(n) => Some(Path {
            head: Head::Name(n.id.to_string()),
            attrs: Vec::new(),
        }),
        Expr::Attribute(a) => {
            let mut p = path_of(&a.value)?;
            p.attrs.push(a.attr.to_string());
            Some(p)
        }
        Expr::Call(c) => {
            let f = path_of(&c.func)?;
            let written = f.written();
            let args = &c.arguments.args;
            let first_str = args.first().and_then(str_const);
            match written.as_str() {
                "getattr" if args.len() >= 2 => {
                    let mut p = path_of(args.first()?)?;
                    p.attrs.push(args.get(1).and_then(str_const)?.to_owned());
                    Some(p)
                }
                "__import__" | "importlib.import_module" | "import_module" => Some(Path {
                    head: Head::Module(first_str?.to_owned()),
                    attrs: Vec::new(),
                }),
                _ => None,
            }
        }
        _ => None,
    }
}

/// A string literal's value (implicitly concatenated parts joined, as
/// Python does); f-strings and bytes are not.
fn str_const(e: &Expr) -> Option<&str> {
    match e {
        Expr::StringLiteral(s) => Some(s.value.to_str()),
        _ => None,
    }
}

fn is_true(e: &Expr) -> bool {
    matches!(e, Expr::BooleanLiteral(b) if b.value)
}

/// Walks a module, recording bindings and references.
#[derive(Default)]
pub struct Collector {
    /// What was found.
    pub found: Collected,
}

impl Collector {
    fn push(&mut self, r: Ref) {
        if self.found.refs.len() < MAX_REFS {
            self.found.refs.push(r);
        }
    }

    /// Walks every statement of a module.
    pub fn visit_module(&mut self, body: &[Stmt]) {
        self.visit_body(body);
    }

    fn import(&mut self, node: &ast::StmtImport) {
        for alias in &node.names {
            let full = alias.name.to_string();
            match &alias.asname {
                Some(a) => self.found.bind(
                    a.as_str(),
                    Path {
                        head: Head::Module(full.clone()),
                        attrs: Vec::new(),
                    },
                    format!("import {full} as {a}"),
                ),
                None => {
                    // `import os.path` binds `os`.
                    let first = full.split('.').next().unwrap_or(&full).to_owned();
                    self.found.bind(
                        &first,
                        Path {
                            head: Head::Module(first.clone()),
                            attrs: Vec::new(),
                        },
                        format!("import {full}"),
                    );
                }
            }
        }
    }

    fn import_from(&mut self, node: &ast::StmtImportFrom) {
        let level = usize::try_from(node.level)
            .unwrap_or(usize::MAX)
            .min(MAX_LEVEL);
        let module = node
            .module
            .as_ref()
            .map(|m| m.to_string())
            .unwrap_or_default();
        // Relative imports name the repository's own modules.
        let base = format!("{}{module}", ".".repeat(level));
        for alias in &node.names {
            let name = alias.name.to_string();
            if name == "*" {
                if self.found.star.len() < 100 {
                    self.found.star.push(base.clone());
                }
                continue;
            }
            let local = alias
                .asname
                .as_ref()
                .map_or(name.clone(), |a| a.to_string());
            let how = match &alias.asname {
                Some(a) => format!("from {base} import {name} as {a}"),
                None => format!("from {base} import {name}"),
            };
            self.found.bind(
                &local,
                Path {
                    head: Head::Module(base.clone()),
                    attrs: vec![name],
                },
                how,
            );
        }
    }

    /// `target = value` (also annotated, `target: T = value`).
    fn assign(&mut self, target: &Expr, value: &Expr) {
        if let (Expr::Name(n), Some(p)) = (target, path_of(value)) {
            let how = format!("{} = {}", n.id, p.written());
            self.found.bind(n.id.as_str(), p, how);
        }
    }

    fn call(&mut self, node: &ast::ExprCall) {
        let args = &node.arguments;
        let kw = |k: &str| {
            args.keywords
                .iter()
                .any(|w| w.arg.as_ref().is_some_and(|a| a.as_str() == k) && is_true(&w.value))
        };
        let weights_only = kw("weights_only");
        let allow_pickle = kw("allow_pickle");
        if let Some(path) = path_of(&node.func) {
            let getattr_of = (path.written() == "getattr"
                && args.args.get(1).and_then(str_const).is_none())
            .then(|| args.args.first().and_then(path_of))
            .flatten();
            self.push(Ref {
                path,
                offset: usize::from(node.range_start),
                called: true,
                weights_only,
                allow_pickle,
                getattr_of,
            });
        }
        // Callables passed as values: `Thread(target=os.system)`, `map(eval, xs)`.
        let values = args
            .args
            .iter()
            .chain(args.keywords.iter().map(|k| &k.value));
        for v in values {
            let start = match v {
                Expr::Name(n) => n.range.start(),
                Expr::Attribute(a) => a.range.start(),
                _ => continue,
            };
            if let Some(path) = path_of(v) {
                self.push(Ref {
                    path,
                    offset: usize::from(start),
                    called: false,
                    weights_only: false,
                    allow_pickle: false,
                    getattr_of: None,
                });
            }
        }
    }
}

/// Every statement and expression is walked (Ruff's visitor reaches
/// decorators, defaults, annotations, keyword values, `with` items, match
/// cases, comprehensions, type parameters and f-/t-string fields).
impl<'a> Visitor<'a> for Collector {
    fn visit_stmt(&mut self, stmt: &'a Stmt) {
        match stmt {
            Stmt::Import(node) => self.import(node),
            Stmt::ImportFrom(node) => self.import_from(node),
            Stmt::Assign(node) => {
                for t in &node.targets {
                    self.assign(t, &node.value);
                }
            }
            Stmt::AnnAssign(node) => {
                if let Some(value) = &node.value {
                    self.assign(&node.target, value);
                }
            }
            _ => {}
        }
        visitor::walk_stmt(self, stmt);
    }

    fn visit_expr(&mut self, expr: &'a Expr) {
        match expr {
            Expr::Named(node) => {
                if let (Expr::Name(n), Some(p)) = (&*node.target, path_of(&node.value)) {
                    let how = format!("{} := {}", n.id, p.written());
                    self.found.bind(n.id.as_str(), p, how);
                }
            }
            Expr::Call(node) => self.call(node),
            _ => {}
        }
        visitor::walk_expr(self, expr);
    }
}
