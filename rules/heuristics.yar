/*
 * netvet generic heuristics: patterns shared by many published back doors (after FACT's
 * known_vulnerabilities rules and EMBA's searches), for back doors nobody has published yet.
 * Lower confidence than the named rules in backdoors.yar; same metadata.
 */

rule backdoor_word {
  meta:
    id = "NV-HX-0001"
    description = "The word 'backdoor' (leet, reversed or base64) inside a binary or script"
    severity = "medium"
    confidence = "low"
    cve = "none"
    vendor = "generic"
    product = "any"
    source = "FACT known_vulnerabilities rule BackDoor_String"
    references = "3gpp:33.117:4.3.2.4"
  strings:
    $leet = /b[a4]ckd[o0]{2}r/ nocase
    $rev = "roodkcab" nocase
    $b64 = "YmFja2Rvb3I"
  condition:
    any of them
}

rule shell_spawned_for_network_peer {
  meta:
    id = "NV-HX-0002"
    description = "A program embeds a command that hands a shell to a network peer (telnetd -l /bin/sh, nc -e, ncat --exec, socat EXEC:sh, a FIFO between sh and nc)"
    severity = "high"
    confidence = "medium"
    cve = "none"
    vendor = "generic"
    product = "any"
    source = "netvet heuristic; pattern of firmware.md §7 entries 8-10 and 25"
    references = "3gpp:33.117:4.2.3.4.1.1"
  strings:
    // telnetd or utelnetd with its options in any order (`-p 2323`, `-F`) and -l naming a shell
    $telnet = /telnetd(\s+-[a-zA-Z]+(\s+[^-\s\x00][^\s\x00]*)?)*\s+-l\s*['"]?(\/usr)?(\/bin\/)?(ba|a|da)?sh\b/
    // nc, ncat or netcat running a shell for the peer: -e / -c / --exec / --sh-exec
    $nc = /\bn(c|cat|etcat)(\s+[^\s\x00]+){0,6}\s+(-[a-zA-Z]*[ec]|--exec|--sh-exec)\s*['"]?(\/usr)?(\/bin\/)?(ba|a|da)?sh\b/
    // socat listening or connecting with a shell on the other side
    $socat = /socat\s[^\n\x00]{0,120}(exec|EXEC|Exec|system|SYSTEM|System):['"]?(\/usr)?(\/bin\/)?(ba|a|da)?sh\b/
    // the FIFO reverse shell: sh's input and output joined to nc through a named pipe
    $fifo = /\b(ba|a|da)?sh -i[^\n\x00]{0,20}\|\s*(busybox\s+)?(nc|ncat|telnet)\s/
  condition:
    uint32(0) == 0x464c457f and any of them
}

rule hidden_magic_packet_listener {
  meta:
    id = "NV-HX-0003"
    description = "A binary with a manufacturing/debug magic-packet marker and a shell execution path"
    severity = "medium"
    confidence = "low"
    cve = "none"
    vendor = "generic"
    product = "any"
    source = "netvet heuristic; pattern of firmware.md §7 entries 8, 9 and 10"
    references = "3gpp:33.117:4.3.2.1,3gpp:33.117:4.3.2.4"
  strings:
    $mfg = /[a-z0-9]{2,8}_mfg\x00/
    $sh = "/bin/sh"
    $recv = "recvfrom"
  condition:
    uint32(0) == 0x464c457f and $mfg and $sh and $recv
}
