"""click as a person here reads it: help and usage errors in Chinese, never a traceback, and a
group that imports each command's module only when that command is asked for."""

from __future__ import annotations

import ast
import importlib
import importlib.util
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import click

HELP = "显示本帮助并退出"


class _Chinese:
    """Help as a person here reads it: 用法, 选项, and the help option itself in Chinese."""

    def get_help_option(self, ctx: click.Context) -> click.Option | None:
        option = super().get_help_option(ctx)  # type: ignore[misc]
        if option is not None:
            option.help = HELP
        return option

    def format_usage(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        formatter.write_usage(ctx.command_path, " ".join(self.collect_usage_pieces(ctx)), prefix="用法：")  # type: ignore[attr-defined]

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [r for p in self.get_params(ctx) if (r := p.get_help_record(ctx)) is not None]  # type: ignore[attr-defined]
        if rows:
            with formatter.section("选项"):
                formatter.write_dl(rows)


class Command(_Chinese, click.Command):
    """A `duban` command."""


class Group(_Chinese, click.Group):
    """`duban`: click's own usage errors (unknown option, bad value, missing argument) said in Chinese;
    help in Chinese, and each command's whole first sentence in `duban --help` (never cut off).

    `lazy` maps a command's name to "module:attribute": the module is imported when the command is
    run, so each command pays only for its own imports; `duban --help` reads each summary from its
    module's source instead of importing it."""

    command_class = Command

    def __init__(self, *args: Any, lazy: Mapping[str, str] | None = None, **kwargs: Any):
        super().__init__(*args, **kwargs)
        self.lazy = dict(lazy or {})

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*super().list_commands(ctx), *self.lazy})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy and cmd_name not in self.commands:
            module, _, attribute = self.lazy[cmd_name].partition(":")
            self.add_command(getattr(importlib.import_module(module), attribute), cmd_name)
        return super().get_command(ctx, cmd_name)

    def format_options(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        super().format_options(ctx, formatter)
        self.format_commands(ctx, formatter)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        rows = [(name, help) for name in self.list_commands(ctx) if (help := self._summary(ctx, name)) is not None]
        if rows:
            with formatter.section("命令"):
                formatter.write_dl(rows)

    def _summary(self, ctx: click.Context, name: str) -> str | None:
        """A command's first sentence (None: hidden), from the loaded command or from its source."""
        if name in self.commands or name not in self.lazy:
            cmd = self.get_command(ctx, name)
            return None if cmd is None or cmd.hidden else _first_sentence(cmd.help)
        module, _, attribute = self.lazy[name].partition(":")
        spec = importlib.util.find_spec(module)
        tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8")) if spec and spec.origin else None
        for node in ast.walk(tree) if tree else ():
            if isinstance(node, ast.FunctionDef) and node.name == attribute:
                hidden = any(
                    k.arg == "hidden" and getattr(k.value, "value", False) is True
                    for d in node.decorator_list
                    if isinstance(d, ast.Call)
                    for k in d.keywords
                )
                return None if hidden else _first_sentence(ast.get_docstring(node))
        cmd = self.get_command(ctx, name)  # not found in the source: load it
        return None if cmd is None or cmd.hidden else _first_sentence(cmd.help)

    def main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            rv = super().main(args, prog_name or "duban", complete_var, standalone_mode=False, **extra)
        except click.ClickException as e:
            click.echo(f"错误：{in_chinese(e)}", err=True)
            sys.exit(e.exit_code)
        except click.exceptions.Abort:
            click.echo("已取消", err=True)
            sys.exit(1)
        sys.exit(rv if isinstance(rv, int) else 0)


def _first_sentence(help: str | None) -> str:
    """A command's summary: its help's first sentence, whole (click's own cuts it at ~45 columns)."""
    text = " ".join((help or "").split("\n\n")[0].split())
    return text.split("。")[0] + "。" if "。" in text else text


def _param(p: click.Parameter | None, hint: str | None = None) -> str:
    if isinstance(p, click.Option):
        return f"选项 {p.opts[0]}"
    if isinstance(p, click.Argument):
        return f"参数 {p.metavar or (p.name or '').upper()}"
    return f"选项 {hint}" if hint and hint.startswith("--") else hint or "参数"


def in_chinese(e: click.ClickException) -> str:
    """A click error as a person reads it, with where to look for the usage."""
    if isinstance(e, click.NoSuchOption):
        text = f"没有选项 {e.option_name}" + (
            f"，您是否要找：{'、'.join(sorted(e.possibilities))}" if e.possibilities else ""
        )
    elif isinstance(e, click.MissingParameter):
        text = f"缺少{_param(e.param, e.param_hint and str(e.param_hint))}" + (
            f"（{e.param.help}）" if isinstance(e.param, click.Option) and e.param.help else ""
        )
    elif isinstance(e, click.BadParameter):
        text = f"{_param(e.param, e.param_hint and str(e.param_hint))} 有误：{e.message}"
    elif isinstance(e, click.UsageError):
        m = re.match(r"No such command '(.+)'", e.message)
        extra = re.match(r"Got unexpected extra arguments? \((.*)\)", e.message)
        text = f"没有命令“{m[1]}”" if m else f"多余的参数：{extra[1]}" if extra else e.message
    else:
        return e.format_message()
    where = e.ctx.command_path if e.ctx else "duban"
    return f"{text}\n（{where} --help 查看用法）"
