package main

import (
	"os"
	"syscall"
	"unsafe"
)

// isTerminalFd asks the kernel for the terminal settings of f, which only a
// terminal has (/dev/null is a character device too, but no terminal).
func isTerminalFd(f *os.File) bool {
	var t syscall.Termios
	_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), syscall.TCGETS, uintptr(unsafe.Pointer(&t)))
	return errno == 0
}
