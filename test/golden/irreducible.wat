(module
  (import "k" "mem" (memory 1 320))
  (import "k" "mem_fault" (func $k.mem_fault (param i32 i64 i32 i32)))
  (import "k" "budget" (func $k.budget (param i32 i32 i32)))
  (import "k" "stack_fault" (func $k.stack_fault (param i32 i32)))
  (import "k" "insn_fault" (func $k.insn_fault (param i32 i32 i32)))
  (global $max_depth (mut i32) (i32.const 0))
  (global $rem (mut i32) (i32.const 0))
  (func $prog (param $r1 i64) (param $fp i32) (param $depth i32) (param $rem i32) (result i64 i32)
    (local $r0 i64)
    (local $r2 i64)
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
    (local $next i32)
    local.get $fp
    i64.extend_i32_u
    local.set $r10
    loop
      block
        block
          block
            block
              local.get $next
              br_table 0 1 2 3 0
            end
            local.get $rem
            i32.const 2
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
            i64.const 0
            local.set $r0
            local.get $r1
            i64.const 0
            i64.eq
            if
              i32.const 1
              local.set $next
              br 4
            end
            i32.const 2
            local.set $next
            br 3
          end
          local.get $rem
          i32.const 2
          i32.sub
          local.tee $rem
          i32.const 0
          i32.lt_s
          if
            i32.const 4
            local.get $rem
            i32.const 0
            call $k.budget
            unreachable
          end
          local.get $r0
          i64.const 2
          i64.add
          local.set $r0
        end
        local.get $rem
        i32.const 2
        i32.sub
        local.tee $rem
        i32.const 0
        i32.lt_s
        if
          i32.const 2
          local.get $rem
          i32.const 0
          call $k.budget
          unreachable
        end
        local.get $r0
        i64.const 1
        i64.add
        local.set $r0
        local.get $r0
        i64.const 5
        i64.gt_u
        if
          i32.const 3
          local.set $next
          br 2
        end
        i32.const 1
        local.set $next
        br 1
      end
      local.get $rem
      i32.const 1
      i32.sub
      local.tee $rem
      i32.const 0
      i32.lt_s
      if
        i32.const 6
        local.get $rem
        i32.const 0
        call $k.budget
        unreachable
      end
      local.get $r0
      local.get $rem
      return
    end
    unreachable
  )
  (func $main (param $r1 i64) (param $r2 i64) (param $fp i32) (param $rem i32) (result i32)
    (local $r0 i64)
    local.get $r1
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
  (export "main" (func $main))
  (export "main32" (func $main32))
  (export "max_depth" (global $max_depth))
  (export "rem_get" (func $rem_get))
  (export "rem_set" (func $rem_set))
)
