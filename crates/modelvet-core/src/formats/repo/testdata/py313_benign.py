# Modelling code in Python 3.12 and 3.13 syntax, nothing dangerous in it.
from dataclasses import dataclass
from typing import Callable

type Shape = tuple[int, ...]
type Pair[T] = tuple[T, T]


def first[T](xs: list[T]) -> T:
    return xs[0]


def clamp[N: (int, float) = int](x: N, lo: N, hi: N) -> N:
    return max(lo, min(x, hi))


class Registry[K, *Ts, **P]:
    def __init__(self) -> None:
        self.items: dict[K, Callable[P, tuple[*Ts]]] = {}


@dataclass
class Config:
    name: str
    dims: Shape


hooks = {"pre": [lambda m: m]}


@hooks["pre"][0]
def norm(x):
    return x


def describe(cfg: Config) -> str:
    songs = ["a", "b"]
    text = f"{cfg.name!r}: {", ".join(f"{d:>{4}}" for d in cfg.dims)}"
    nested = f"{f"{f"{songs[0]}"}"}"
    multi = f"{
        cfg.name  # a comment inside a replacement field
    }"
    return text + nested + multi


def route(cmd):
    match cmd:
        case {"op": "scale", "by": float(by)}:
            return by
        case [x, *rest] if (n := len(rest)) > 1:
            return x, n
        case Config(name=name):
            return name
        case _:
            return None
