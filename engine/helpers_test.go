package engine

import "github.com/ruled/ruled/diag"

func posAt(file string, line, col int) diag.Pos { return diag.Pos{File: file, Line: line, Col: col} }
