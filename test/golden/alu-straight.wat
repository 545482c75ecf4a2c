(module
  (import "k" "mem" (memory 1 320))
  (import "k" "mem_fault" (func $k.mem_fault (param i32 i64 i32 i32)))
  (import "k" "budget" (func $k.budget (param i32 i32 i32)))
  (import "k" "stack_fault" (func $k.stack_fault (param i32 i32)))
  (import "k" "insn_fault" (func $k.insn_fault (param i32 i32 i32)))
  (import "k" "prog_checked" (func $k.prog_checked (param i64 i64 i64 i64 i64 i64 i64 i64 i64 i64 i32 i32 i32 i32) (result i64 i32)))
  (global $max_depth (mut i32) (i32.const 0))
  (global $rem (mut i32) (i32.const 0))
  (func $prog (param $r1 i64) (param $r2 i64) (param $fp i32) (param $depth i32) (param $rem i32) (result i64 i32)
    (local $r0 i64)
    (local $r3 i64)
    (local $r4 i64)
    (local $r5 i64)
    (local $r6 i64)
    (local $r7 i64)
    (local $r8 i64)
    (local $r9 i64)
    (local $r10 i64)
    (local $a i32)
    (local $t32 i32)
    (local $t64 i64)
    local.get $fp
    i64.extend_i32_u
    local.set $r10
    local.get $rem
    i32.const 7
    i32.lt_s
    if
      local.get $r0
      local.get $r1
      local.get $r2
      local.get $r3
      local.get $r4
      local.get $r5
      local.get $r6
      local.get $r7
      local.get $r8
      local.get $r9
      local.get $fp
      local.get $depth
      local.get $rem
      i32.const 0
      call $k.prog_checked
      return
    end
    local.get $r1
    i32.wrap_i64
    i64.extend_i32_u
    local.set $r0
    local.get $r0
    i64.const 7
    i64.add
    local.set $r0
    local.get $r2
    i64.eqz
    if (result i64)
      i64.const 0
    else
      local.get $r0
      local.get $r2
      i64.div_u
    end
    local.set $r0
    local.get $r0
    i32.wrap_i64
    local.tee $t32
    i32.const 8
    i32.rotr
    i32.const -16711936
    i32.and
    local.get $t32
    i32.const 8
    i32.rotl
    i32.const 16711935
    i32.and
    i32.or
    i64.extend_i32_u
    local.set $r0
    local.get $r0
    i64.extend8_s
    local.set $r3
    local.get $r0
    local.get $r3
    i64.xor
    local.set $r0
    local.get $r0
    local.get $rem
    i32.const 7
    i32.sub
    return
    unreachable
  )
  (func $main (param $r1 i64) (param $r2 i64) (param $fp i32) (param $rem i32) (result i32)
    (local $r0 i64)
    local.get $r1
    local.get $r2
    local.get $fp
    i32.const 0
    local.get $rem
    call $prog
    global.set $rem
    local.set $r0
    local.get $r0
    i64.const 2147483648
    i64.lt_u
    if (result i32)
      local.get $r0
      i32.wrap_i64
    else
      local.get $fp
      local.get $r0
      i64.store offset=8
      i32.const -1
    end
  )
  (func $main32 (param $ctx i32) (param $fp i32) (param $rem i32) (result i32)
    (local $r0 i64)
    local.get $ctx
    i64.extend_i32_u
    i64.const 0
    local.get $fp
    i32.const 0
    local.get $rem
    call $prog
    global.set $rem
    local.set $r0
    local.get $r0
    i32.wrap_i64
  )
  (func $rem_get (result i32)
    global.get $rem
  )
  (func $rem_set (param $rem i32)
    local.get $rem
    global.set $rem
  )
  (export "prog" (func $prog))
  (export "main" (func $main))
  (export "main32" (func $main32))
  (export "max_depth" (global $max_depth))
  (export "rem_get" (func $rem_get))
  (export "rem_set" (func $rem_set))
)
;; the checked copies (compiled when a run first nears its budget)
(module
  (import "k" "mem" (memory 1 320))
  (import "k" "mem_fault" (func $k.mem_fault (param i32 i64 i32 i32)))
  (import "k" "budget" (func $k.budget (param i32 i32 i32)))
  (import "k" "stack_fault" (func $k.stack_fault (param i32 i32)))
  (import "k" "insn_fault" (func $k.insn_fault (param i32 i32 i32)))
  (import "k" "prog" (func $k.prog (param i64 i64 i32 i32 i32) (result i64 i32)))
  (import "k" "max_depth" (global $max_depth (mut i32)))
  (func $prog_checked (param $r0 i64) (param $r1 i64) (param $r2 i64) (param $r3 i64) (param $r4 i64) (param $r5 i64) (param $r6 i64) (param $r7 i64) (param $r8 i64) (param $r9 i64) (param $fp i32) (param $depth i32) (param $rem i32) (param $start i32) (result i64 i32)
    (local $r10 i64)
    (local $a i32)
    (local $t32 i32)
    (local $t64 i64)
    (local $next i32)
    local.get $fp
    i64.extend_i32_u
    local.set $r10
    local.get $start
    local.set $next
    loop
      block
        local.get $next
        br_table 0 0
      end
      local.get $rem
      i32.const 7
      i32.sub
      local.tee $rem
      i32.const 0
      i32.lt_s
      if
        i32.const 0
        local.get $rem
        i32.const 0
        call $k.budget
        unreachable
      end
      local.get $r1
      i32.wrap_i64
      i64.extend_i32_u
      local.set $r0
      local.get $r0
      i64.const 7
      i64.add
      local.set $r0
      local.get $r2
      i64.eqz
      if (result i64)
        i64.const 0
      else
        local.get $r0
        local.get $r2
        i64.div_u
      end
      local.set $r0
      local.get $r0
      i32.wrap_i64
      local.tee $t32
      i32.const 8
      i32.rotr
      i32.const -16711936
      i32.and
      local.get $t32
      i32.const 8
      i32.rotl
      i32.const 16711935
      i32.and
      i32.or
      i64.extend_i32_u
      local.set $r0
      local.get $r0
      i64.extend8_s
      local.set $r3
      local.get $r0
      local.get $r3
      i64.xor
      local.set $r0
      local.get $r0
      local.get $rem
      return
    end
    unreachable
  )
  (export "prog_checked" (func $prog_checked))
)
