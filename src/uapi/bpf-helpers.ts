/**
 * @fileoverview Helper function ids (enum bpf_func_id of include/uapi/linux/bpf.h,
 * read from a Linux 6.18 kernel's BTF), in kernel spelling.
 */

export const BPF_FUNC_unspec = 0;
export const BPF_FUNC_map_lookup_elem = 1;
export const BPF_FUNC_map_update_elem = 2;
export const BPF_FUNC_map_delete_elem = 3;
export const BPF_FUNC_probe_read = 4;
export const BPF_FUNC_ktime_get_ns = 5;
export const BPF_FUNC_trace_printk = 6;
export const BPF_FUNC_get_prandom_u32 = 7;
export const BPF_FUNC_get_smp_processor_id = 8;
export const BPF_FUNC_skb_store_bytes = 9;
export const BPF_FUNC_l3_csum_replace = 10;
export const BPF_FUNC_l4_csum_replace = 11;
export const BPF_FUNC_tail_call = 12;
export const BPF_FUNC_clone_redirect = 13;
export const BPF_FUNC_get_current_pid_tgid = 14;
export const BPF_FUNC_get_current_uid_gid = 15;
export const BPF_FUNC_get_current_comm = 16;
export const BPF_FUNC_get_cgroup_classid = 17;
export const BPF_FUNC_skb_vlan_push = 18;
export const BPF_FUNC_skb_vlan_pop = 19;
export const BPF_FUNC_skb_get_tunnel_key = 20;
export const BPF_FUNC_skb_set_tunnel_key = 21;
export const BPF_FUNC_perf_event_read = 22;
export const BPF_FUNC_redirect = 23;
export const BPF_FUNC_get_route_realm = 24;
export const BPF_FUNC_perf_event_output = 25;
export const BPF_FUNC_skb_load_bytes = 26;
export const BPF_FUNC_get_stackid = 27;
export const BPF_FUNC_csum_diff = 28;
export const BPF_FUNC_skb_get_tunnel_opt = 29;
export const BPF_FUNC_skb_set_tunnel_opt = 30;
export const BPF_FUNC_skb_change_proto = 31;
export const BPF_FUNC_skb_change_type = 32;
export const BPF_FUNC_skb_under_cgroup = 33;
export const BPF_FUNC_get_hash_recalc = 34;
export const BPF_FUNC_get_current_task = 35;
export const BPF_FUNC_probe_write_user = 36;
export const BPF_FUNC_current_task_under_cgroup = 37;
export const BPF_FUNC_skb_change_tail = 38;
export const BPF_FUNC_skb_pull_data = 39;
export const BPF_FUNC_csum_update = 40;
export const BPF_FUNC_set_hash_invalid = 41;
export const BPF_FUNC_get_numa_node_id = 42;
export const BPF_FUNC_skb_change_head = 43;
export const BPF_FUNC_xdp_adjust_head = 44;
export const BPF_FUNC_probe_read_str = 45;
export const BPF_FUNC_get_socket_cookie = 46;
export const BPF_FUNC_get_socket_uid = 47;
export const BPF_FUNC_set_hash = 48;
export const BPF_FUNC_setsockopt = 49;
export const BPF_FUNC_skb_adjust_room = 50;
export const BPF_FUNC_redirect_map = 51;
export const BPF_FUNC_sk_redirect_map = 52;
export const BPF_FUNC_sock_map_update = 53;
export const BPF_FUNC_xdp_adjust_meta = 54;
export const BPF_FUNC_perf_event_read_value = 55;
export const BPF_FUNC_perf_prog_read_value = 56;
export const BPF_FUNC_getsockopt = 57;
export const BPF_FUNC_override_return = 58;
export const BPF_FUNC_sock_ops_cb_flags_set = 59;
export const BPF_FUNC_msg_redirect_map = 60;
export const BPF_FUNC_msg_apply_bytes = 61;
export const BPF_FUNC_msg_cork_bytes = 62;
export const BPF_FUNC_msg_pull_data = 63;
export const BPF_FUNC_bind = 64;
export const BPF_FUNC_xdp_adjust_tail = 65;
export const BPF_FUNC_skb_get_xfrm_state = 66;
export const BPF_FUNC_get_stack = 67;
export const BPF_FUNC_skb_load_bytes_relative = 68;
export const BPF_FUNC_fib_lookup = 69;
export const BPF_FUNC_sock_hash_update = 70;
export const BPF_FUNC_msg_redirect_hash = 71;
export const BPF_FUNC_sk_redirect_hash = 72;
export const BPF_FUNC_lwt_push_encap = 73;
export const BPF_FUNC_lwt_seg6_store_bytes = 74;
export const BPF_FUNC_lwt_seg6_adjust_srh = 75;
export const BPF_FUNC_lwt_seg6_action = 76;
export const BPF_FUNC_rc_repeat = 77;
export const BPF_FUNC_rc_keydown = 78;
export const BPF_FUNC_skb_cgroup_id = 79;
export const BPF_FUNC_get_current_cgroup_id = 80;
export const BPF_FUNC_get_local_storage = 81;
export const BPF_FUNC_sk_select_reuseport = 82;
export const BPF_FUNC_skb_ancestor_cgroup_id = 83;
export const BPF_FUNC_sk_lookup_tcp = 84;
export const BPF_FUNC_sk_lookup_udp = 85;
export const BPF_FUNC_sk_release = 86;
export const BPF_FUNC_map_push_elem = 87;
export const BPF_FUNC_map_pop_elem = 88;
export const BPF_FUNC_map_peek_elem = 89;
export const BPF_FUNC_msg_push_data = 90;
export const BPF_FUNC_msg_pop_data = 91;
export const BPF_FUNC_rc_pointer_rel = 92;
export const BPF_FUNC_spin_lock = 93;
export const BPF_FUNC_spin_unlock = 94;
export const BPF_FUNC_sk_fullsock = 95;
export const BPF_FUNC_tcp_sock = 96;
export const BPF_FUNC_skb_ecn_set_ce = 97;
export const BPF_FUNC_get_listener_sock = 98;
export const BPF_FUNC_skc_lookup_tcp = 99;
export const BPF_FUNC_tcp_check_syncookie = 100;
export const BPF_FUNC_sysctl_get_name = 101;
export const BPF_FUNC_sysctl_get_current_value = 102;
export const BPF_FUNC_sysctl_get_new_value = 103;
export const BPF_FUNC_sysctl_set_new_value = 104;
export const BPF_FUNC_strtol = 105;
export const BPF_FUNC_strtoul = 106;
export const BPF_FUNC_sk_storage_get = 107;
export const BPF_FUNC_sk_storage_delete = 108;
export const BPF_FUNC_send_signal = 109;
export const BPF_FUNC_tcp_gen_syncookie = 110;
export const BPF_FUNC_skb_output = 111;
export const BPF_FUNC_probe_read_user = 112;
export const BPF_FUNC_probe_read_kernel = 113;
export const BPF_FUNC_probe_read_user_str = 114;
export const BPF_FUNC_probe_read_kernel_str = 115;
export const BPF_FUNC_tcp_send_ack = 116;
export const BPF_FUNC_send_signal_thread = 117;
export const BPF_FUNC_jiffies64 = 118;
export const BPF_FUNC_read_branch_records = 119;
export const BPF_FUNC_get_ns_current_pid_tgid = 120;
export const BPF_FUNC_xdp_output = 121;
export const BPF_FUNC_get_netns_cookie = 122;
export const BPF_FUNC_get_current_ancestor_cgroup_id = 123;
export const BPF_FUNC_sk_assign = 124;
export const BPF_FUNC_ktime_get_boot_ns = 125;
export const BPF_FUNC_seq_printf = 126;
export const BPF_FUNC_seq_write = 127;
export const BPF_FUNC_sk_cgroup_id = 128;
export const BPF_FUNC_sk_ancestor_cgroup_id = 129;
export const BPF_FUNC_ringbuf_output = 130;
export const BPF_FUNC_ringbuf_reserve = 131;
export const BPF_FUNC_ringbuf_submit = 132;
export const BPF_FUNC_ringbuf_discard = 133;
export const BPF_FUNC_ringbuf_query = 134;
export const BPF_FUNC_csum_level = 135;
export const BPF_FUNC_skc_to_tcp6_sock = 136;
export const BPF_FUNC_skc_to_tcp_sock = 137;
export const BPF_FUNC_skc_to_tcp_timewait_sock = 138;
export const BPF_FUNC_skc_to_tcp_request_sock = 139;
export const BPF_FUNC_skc_to_udp6_sock = 140;
export const BPF_FUNC_get_task_stack = 141;
export const BPF_FUNC_load_hdr_opt = 142;
export const BPF_FUNC_store_hdr_opt = 143;
export const BPF_FUNC_reserve_hdr_opt = 144;
export const BPF_FUNC_inode_storage_get = 145;
export const BPF_FUNC_inode_storage_delete = 146;
export const BPF_FUNC_d_path = 147;
export const BPF_FUNC_copy_from_user = 148;
export const BPF_FUNC_snprintf_btf = 149;
export const BPF_FUNC_seq_printf_btf = 150;
export const BPF_FUNC_skb_cgroup_classid = 151;
export const BPF_FUNC_redirect_neigh = 152;
export const BPF_FUNC_per_cpu_ptr = 153;
export const BPF_FUNC_this_cpu_ptr = 154;
export const BPF_FUNC_redirect_peer = 155;
export const BPF_FUNC_task_storage_get = 156;
export const BPF_FUNC_task_storage_delete = 157;
export const BPF_FUNC_get_current_task_btf = 158;
export const BPF_FUNC_bprm_opts_set = 159;
export const BPF_FUNC_ktime_get_coarse_ns = 160;
export const BPF_FUNC_ima_inode_hash = 161;
export const BPF_FUNC_sock_from_file = 162;
export const BPF_FUNC_check_mtu = 163;
export const BPF_FUNC_for_each_map_elem = 164;
export const BPF_FUNC_snprintf = 165;
export const BPF_FUNC_sys_bpf = 166;
export const BPF_FUNC_btf_find_by_name_kind = 167;
export const BPF_FUNC_sys_close = 168;
export const BPF_FUNC_timer_init = 169;
export const BPF_FUNC_timer_set_callback = 170;
export const BPF_FUNC_timer_start = 171;
export const BPF_FUNC_timer_cancel = 172;
export const BPF_FUNC_get_func_ip = 173;
export const BPF_FUNC_get_attach_cookie = 174;
export const BPF_FUNC_task_pt_regs = 175;
export const BPF_FUNC_get_branch_snapshot = 176;
export const BPF_FUNC_trace_vprintk = 177;
export const BPF_FUNC_skc_to_unix_sock = 178;
export const BPF_FUNC_kallsyms_lookup_name = 179;
export const BPF_FUNC_find_vma = 180;
export const BPF_FUNC_loop = 181;
export const BPF_FUNC_strncmp = 182;
export const BPF_FUNC_get_func_arg = 183;
export const BPF_FUNC_get_func_ret = 184;
export const BPF_FUNC_get_func_arg_cnt = 185;
export const BPF_FUNC_get_retval = 186;
export const BPF_FUNC_set_retval = 187;
export const BPF_FUNC_xdp_get_buff_len = 188;
export const BPF_FUNC_xdp_load_bytes = 189;
export const BPF_FUNC_xdp_store_bytes = 190;
export const BPF_FUNC_copy_from_user_task = 191;
export const BPF_FUNC_skb_set_tstamp = 192;
export const BPF_FUNC_ima_file_hash = 193;
export const BPF_FUNC_kptr_xchg = 194;
export const BPF_FUNC_map_lookup_percpu_elem = 195;
export const BPF_FUNC_skc_to_mptcp_sock = 196;
export const BPF_FUNC_dynptr_from_mem = 197;
export const BPF_FUNC_ringbuf_reserve_dynptr = 198;
export const BPF_FUNC_ringbuf_submit_dynptr = 199;
export const BPF_FUNC_ringbuf_discard_dynptr = 200;
export const BPF_FUNC_dynptr_read = 201;
export const BPF_FUNC_dynptr_write = 202;
export const BPF_FUNC_dynptr_data = 203;
export const BPF_FUNC_tcp_raw_gen_syncookie_ipv4 = 204;
export const BPF_FUNC_tcp_raw_gen_syncookie_ipv6 = 205;
export const BPF_FUNC_tcp_raw_check_syncookie_ipv4 = 206;
export const BPF_FUNC_tcp_raw_check_syncookie_ipv6 = 207;
export const BPF_FUNC_ktime_get_tai_ns = 208;
export const BPF_FUNC_user_ringbuf_drain = 209;
export const BPF_FUNC_cgrp_storage_get = 210;
export const BPF_FUNC_cgrp_storage_delete = 211;

/** Helper id → name without the BPF_FUNC_ prefix (as bpftool and verifier logs print it). */
export const BPF_FUNC_NAMES: ReadonlyMap<number, string> = new Map([
  [0, "unspec"],
  [1, "map_lookup_elem"],
  [2, "map_update_elem"],
  [3, "map_delete_elem"],
  [4, "probe_read"],
  [5, "ktime_get_ns"],
  [6, "trace_printk"],
  [7, "get_prandom_u32"],
  [8, "get_smp_processor_id"],
  [9, "skb_store_bytes"],
  [10, "l3_csum_replace"],
  [11, "l4_csum_replace"],
  [12, "tail_call"],
  [13, "clone_redirect"],
  [14, "get_current_pid_tgid"],
  [15, "get_current_uid_gid"],
  [16, "get_current_comm"],
  [17, "get_cgroup_classid"],
  [18, "skb_vlan_push"],
  [19, "skb_vlan_pop"],
  [20, "skb_get_tunnel_key"],
  [21, "skb_set_tunnel_key"],
  [22, "perf_event_read"],
  [23, "redirect"],
  [24, "get_route_realm"],
  [25, "perf_event_output"],
  [26, "skb_load_bytes"],
  [27, "get_stackid"],
  [28, "csum_diff"],
  [29, "skb_get_tunnel_opt"],
  [30, "skb_set_tunnel_opt"],
  [31, "skb_change_proto"],
  [32, "skb_change_type"],
  [33, "skb_under_cgroup"],
  [34, "get_hash_recalc"],
  [35, "get_current_task"],
  [36, "probe_write_user"],
  [37, "current_task_under_cgroup"],
  [38, "skb_change_tail"],
  [39, "skb_pull_data"],
  [40, "csum_update"],
  [41, "set_hash_invalid"],
  [42, "get_numa_node_id"],
  [43, "skb_change_head"],
  [44, "xdp_adjust_head"],
  [45, "probe_read_str"],
  [46, "get_socket_cookie"],
  [47, "get_socket_uid"],
  [48, "set_hash"],
  [49, "setsockopt"],
  [50, "skb_adjust_room"],
  [51, "redirect_map"],
  [52, "sk_redirect_map"],
  [53, "sock_map_update"],
  [54, "xdp_adjust_meta"],
  [55, "perf_event_read_value"],
  [56, "perf_prog_read_value"],
  [57, "getsockopt"],
  [58, "override_return"],
  [59, "sock_ops_cb_flags_set"],
  [60, "msg_redirect_map"],
  [61, "msg_apply_bytes"],
  [62, "msg_cork_bytes"],
  [63, "msg_pull_data"],
  [64, "bind"],
  [65, "xdp_adjust_tail"],
  [66, "skb_get_xfrm_state"],
  [67, "get_stack"],
  [68, "skb_load_bytes_relative"],
  [69, "fib_lookup"],
  [70, "sock_hash_update"],
  [71, "msg_redirect_hash"],
  [72, "sk_redirect_hash"],
  [73, "lwt_push_encap"],
  [74, "lwt_seg6_store_bytes"],
  [75, "lwt_seg6_adjust_srh"],
  [76, "lwt_seg6_action"],
  [77, "rc_repeat"],
  [78, "rc_keydown"],
  [79, "skb_cgroup_id"],
  [80, "get_current_cgroup_id"],
  [81, "get_local_storage"],
  [82, "sk_select_reuseport"],
  [83, "skb_ancestor_cgroup_id"],
  [84, "sk_lookup_tcp"],
  [85, "sk_lookup_udp"],
  [86, "sk_release"],
  [87, "map_push_elem"],
  [88, "map_pop_elem"],
  [89, "map_peek_elem"],
  [90, "msg_push_data"],
  [91, "msg_pop_data"],
  [92, "rc_pointer_rel"],
  [93, "spin_lock"],
  [94, "spin_unlock"],
  [95, "sk_fullsock"],
  [96, "tcp_sock"],
  [97, "skb_ecn_set_ce"],
  [98, "get_listener_sock"],
  [99, "skc_lookup_tcp"],
  [100, "tcp_check_syncookie"],
  [101, "sysctl_get_name"],
  [102, "sysctl_get_current_value"],
  [103, "sysctl_get_new_value"],
  [104, "sysctl_set_new_value"],
  [105, "strtol"],
  [106, "strtoul"],
  [107, "sk_storage_get"],
  [108, "sk_storage_delete"],
  [109, "send_signal"],
  [110, "tcp_gen_syncookie"],
  [111, "skb_output"],
  [112, "probe_read_user"],
  [113, "probe_read_kernel"],
  [114, "probe_read_user_str"],
  [115, "probe_read_kernel_str"],
  [116, "tcp_send_ack"],
  [117, "send_signal_thread"],
  [118, "jiffies64"],
  [119, "read_branch_records"],
  [120, "get_ns_current_pid_tgid"],
  [121, "xdp_output"],
  [122, "get_netns_cookie"],
  [123, "get_current_ancestor_cgroup_id"],
  [124, "sk_assign"],
  [125, "ktime_get_boot_ns"],
  [126, "seq_printf"],
  [127, "seq_write"],
  [128, "sk_cgroup_id"],
  [129, "sk_ancestor_cgroup_id"],
  [130, "ringbuf_output"],
  [131, "ringbuf_reserve"],
  [132, "ringbuf_submit"],
  [133, "ringbuf_discard"],
  [134, "ringbuf_query"],
  [135, "csum_level"],
  [136, "skc_to_tcp6_sock"],
  [137, "skc_to_tcp_sock"],
  [138, "skc_to_tcp_timewait_sock"],
  [139, "skc_to_tcp_request_sock"],
  [140, "skc_to_udp6_sock"],
  [141, "get_task_stack"],
  [142, "load_hdr_opt"],
  [143, "store_hdr_opt"],
  [144, "reserve_hdr_opt"],
  [145, "inode_storage_get"],
  [146, "inode_storage_delete"],
  [147, "d_path"],
  [148, "copy_from_user"],
  [149, "snprintf_btf"],
  [150, "seq_printf_btf"],
  [151, "skb_cgroup_classid"],
  [152, "redirect_neigh"],
  [153, "per_cpu_ptr"],
  [154, "this_cpu_ptr"],
  [155, "redirect_peer"],
  [156, "task_storage_get"],
  [157, "task_storage_delete"],
  [158, "get_current_task_btf"],
  [159, "bprm_opts_set"],
  [160, "ktime_get_coarse_ns"],
  [161, "ima_inode_hash"],
  [162, "sock_from_file"],
  [163, "check_mtu"],
  [164, "for_each_map_elem"],
  [165, "snprintf"],
  [166, "sys_bpf"],
  [167, "btf_find_by_name_kind"],
  [168, "sys_close"],
  [169, "timer_init"],
  [170, "timer_set_callback"],
  [171, "timer_start"],
  [172, "timer_cancel"],
  [173, "get_func_ip"],
  [174, "get_attach_cookie"],
  [175, "task_pt_regs"],
  [176, "get_branch_snapshot"],
  [177, "trace_vprintk"],
  [178, "skc_to_unix_sock"],
  [179, "kallsyms_lookup_name"],
  [180, "find_vma"],
  [181, "loop"],
  [182, "strncmp"],
  [183, "get_func_arg"],
  [184, "get_func_ret"],
  [185, "get_func_arg_cnt"],
  [186, "get_retval"],
  [187, "set_retval"],
  [188, "xdp_get_buff_len"],
  [189, "xdp_load_bytes"],
  [190, "xdp_store_bytes"],
  [191, "copy_from_user_task"],
  [192, "skb_set_tstamp"],
  [193, "ima_file_hash"],
  [194, "kptr_xchg"],
  [195, "map_lookup_percpu_elem"],
  [196, "skc_to_mptcp_sock"],
  [197, "dynptr_from_mem"],
  [198, "ringbuf_reserve_dynptr"],
  [199, "ringbuf_submit_dynptr"],
  [200, "ringbuf_discard_dynptr"],
  [201, "dynptr_read"],
  [202, "dynptr_write"],
  [203, "dynptr_data"],
  [204, "tcp_raw_gen_syncookie_ipv4"],
  [205, "tcp_raw_gen_syncookie_ipv6"],
  [206, "tcp_raw_check_syncookie_ipv4"],
  [207, "tcp_raw_check_syncookie_ipv6"],
  [208, "ktime_get_tai_ns"],
  [209, "user_ringbuf_drain"],
  [210, "cgrp_storage_get"],
  [211, "cgrp_storage_delete"],
]);
