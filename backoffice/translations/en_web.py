"""English of the pages' look-ups, labels of result keys and coded values, operation help, paging
and the 纳税人资料卡 (issue 15). Same vocabulary as en_strings: Golden Tax III, online invoicing,
state-tax / local-tax, VAT reform (营改增), Synchronise (同步信息)."""
EN = {
    '%(a)s → %(b)s，%(n)s 个事件': '%(a)s → %(b)s, %(n)s events',
    '发售编号': 'Sale no.',
    '退票编号': 'Return no.',
    '上报编号': 'Report no.',
    '品目编号': 'Item no.',
    '退回号段': 'Returned ranges',
    '退票时间': 'Returned at',
    '开通时间': 'Enabled at',
    '此前已开通': 'Already enabled',
    '申请时间': 'Requested at',
    '预计完成时间': 'Due at',
    '此前已申请': 'Already requested',
    '营改增标识': 'VAT reform flag',
    '国地税同时开票标识': 'Dual invoicing flag',
    '已同时更新网票': 'Online invoicing updated too',
    '原CA缓存未上传': 'CA cache had not uploaded',
    '条数': 'Count',
    '空白发票份数': 'Blank invoices',
    '本次发售份数': 'Sold now',
    '领购号段': 'Purchased ranges',
    '开票员人数': 'Invoicers',
    '已冲红金额': 'Red-reversed so far',
    '月份': 'Month',
    '卸载残留文件': 'Uninstall left-overs',
    '卸载份数': 'Copies removed',
    '已清除残留': 'Left-overs cleared',
    '等待网票账户': 'Waiting for the online-invoice account',
    '已接受“营改增”升级': 'VAT reform upgrade accepted',
    '密码状态': 'Password state',
    '推进': 'Advance by',
    '从': 'From',
    '到': 'To',
    '事件数': 'Events',
    '场景世界块': 'Scenario world block',
    '表单令牌': 'Form token',
    '请求方法': 'Request method',
    '待审核': 'pending',
    '已通过': 'approved',
    '已驳回': 'rejected',
    '开具': 'issued',
    '作废': 'voided',
    '冲红': 'red-reversed',
    '无CA': 'no CA',
    'PC版CA': 'PC CA',
    '机具CA': 'device CA',
    '默认密码': 'default password',
    '原地税密码': 'old local-tax password',
    '已修改': 'changed',
    '夜间清分': 'nightly clearing',
    '将纳税人标记为已开通网票（常见问题 3.1）。新网票户的账户在下一次夜间清分（约一天）后出现；原地税网票户的账户随下一次增量同步出现。':
        "Marks the taxpayer enabled for online invoicing (FAQ 3.1). A new user's account appears after the next nightly clearing (about a day); a former local-tax user's with the next incremental sync.",
    '从本局库存中按发票代码发售一段号码（常见问题 3.2）。号段不得重叠；一个号码同一时间只属于一个纳税人。':
        "Sells a range of numbers of one invoice code from this office's stock (FAQ 3.2). Ranges never overlap; a number belongs to one taxpayer at a time.",
    '把未使用的号码退回库存；网票已上传为已用的号码不能退（常见问题 3.2）。':
        'Gives unused numbers back to stock; numbers online invoicing reported as used cannot be returned (FAQ 3.2).',
    '立即把该纳税人的领购、退票、冲红限额和待送达的初始化密码推送到网票，包括开通网票前的发售（常见问题 3.2）。':
        "Pushes the taxpayer's purchases, returns, red-reversal limit and any pending password reset to online invoicing at once, sales made before enablement included (FAQ 3.2).",
    '设置纳税人每月可冲红的金额（常见问题 4.4），随增量同步送达网票。':
        "Sets the taxpayer's monthly red-reversal amount (FAQ 4.4); the incremental sync delivers it.",
    '核定一个主行业和至多三个附行业（常见问题 4.5、4.6），替换原有核定。':
        'Assigns one main and at most three secondary industries (FAQ 4.5, 4.6), replacing the assignment.',
    '把任何行业都没有的品目上报征管科（常见问题 4.5）。先在“行业及品目”中核实品目是否在某个行业中存在。':
        'Reports an item that no industry holds to the collection section (FAQ 4.5). First check in Industries and items whether some industry holds it.',
    '征管科把上报的品目加入一个行业；网票在夜间清分后收到。':
        'The collection section adds the reported item to an industry; online invoicing receives it with the nightly clearing.',
    '征管科驳回该品目的全部上报，并写明理由；不新增品目。':
        'The collection section turns down every report of the item, with a reason; no item is added.',
    '把网票密码恢复为默认状态（识别号或登记序号后 6 位），随下一次增量同步送达（常见问题 3.1）。':
        'Puts the online-invoice password back to its default (the last 6 characters of the tax id or registration number), delivered by the next incremental sync (FAQ 3.1).',
    '网票后台运维修改“营改增”标识，例如为误升级的地税户恢复（常见问题 5.1）。':
        'Online-invoice ops change the VAT reform flag, e.g. for a local-tax user who upgraded by mistake (FAQ 5.1).',
    '网票后台运维允许营改增纳税人同时开具地税发票（常见问题 5.2）。':
        'Online-invoice ops let a VAT reform taxpayer keep issuing local-tax invoices too (FAQ 5.2).',
    '网票后台运维在申请后 30–60 分钟内取消 PC 版 CA（常见问题 6.2）；机具 CA 不能取消。':
        "Online-invoice ops cancel a PC CA user's CA 30–60 minutes after the request (FAQ 6.2); device CA cannot be cancelled.",
    '代替设备厂商重新制作 U-Key：从未上传的 CA 缓存立即恢复（常见问题 6.1）。':
        'Remakes the U-Key in place of the device vendor: CA cache that never uploaded works again at once (FAQ 6.1).',
    '说明纳税人为什么看到某个错误、数据中的原因，以及常见问题的解决步骤。':
        "Explains why the taxpayer sees an error: the cause found in the data and the FAQ's steps.",
    '用所选的 PC 客户端登录网票。': 'Logs in to online invoicing with the chosen PC client.',
    '系统管理员修改账户密码（不再是默认密码）；开票员修改自己的密码。':
        "The system administrator changes the account's password (no longer the default); an invoicer its own.",
    '金三已送达网票的发票领购号段（常见问题 3.2）。': 'The invoice ranges Golden Tax III has delivered to online invoicing (FAQ 3.2).',
    '把“系统管理员”改为实名纳税人（常见问题 4.1）。': 'Renames the system administrator to the real-name taxpayer (FAQ 4.1).',
    '添加开票员：姓名和密码（常见问题 4.2）。': 'Adds an invoicer: a name and a password (FAQ 4.2).',
    '把已送达的领购号段分给开票员，每个号码只属于一个开票员（常见问题 4.3）。':
        'Gives an invoicer numbers of the delivered purchases, each number to one invoicer (FAQ 4.3).',
    '设置开票员的月冲红金额和缓存金额（常见问题 4.3）；各开票员的月冲红金额合计不超过纳税人的冲红限额。':
        "Sets an invoicer's monthly red-reversal and cache amounts (FAQ 4.3); the invoicers' red amounts add up to at most the taxpayer's limit.",
    '按开票员号段的下一个号码开具发票（常见问题 4.3、4.5、4.6），并立即上传金三。':
        "Issues the next number of the invoicer's segments (FAQ 4.3, 4.5, 4.6), reported to Golden Tax III at once.",
    '开具冲红发票（常见问题 4.4）：不超过原发票金额和本月可冲红金额。':
        "Issues a red reversal (FAQ 4.4): at most the original amount and this month's red amounts.",
    '作废发票：只能在开具当月作废。': 'Voids an invoice: only in the month it was issued.',
    '打印机设置（常见问题 7）：右平移、下平移，单位毫米，负数为向左、向上。':
        'Printer settings (FAQ 7): shift right and down in millimetres, negative for left and up.',
    '安装网票 PC 客户端（常见问题 2）：每个目录只能安装一个版本类型（常见问题 5.2）。':
        'Installs an online-invoice PC client (FAQ 2): one edition per folder (FAQ 5.2).',
    '卸载该版本类型的全部客户端；残留文件在重启电脑后才清除（常见问题 2）。':
        'Uninstalls every copy of the edition; its left-over files go only with a restart (FAQ 2).',
    '重启电脑，清除卸载留下的残留文件（常见问题 2）。': 'Restarts the computer, clearing what uninstalls left behind (FAQ 2).',
    '把地税版客户端升级为最新的国税版，并带上 CA 缓存（常见问题 6.1）。':
        'Upgrades the local-tax client to the latest state-tax one, carrying the CA cache over (FAQ 6.1).',
    '是': 'yes',
    '否': 'no',
    '分页': 'Pages',
    '上一页': 'Previous',
    '第 %(n)s 页': 'Page %(n)s',
    '下一页': 'Next',
    '本局可发售号段（点击填入）': "Free ranges of this office's stock (click to fill in)",
    '（先选择扮演的专管员，这里列出其所在局的库存）': "(choose the specialist you play: this lists their office's stock)",
    '常见问题 4.5 的第一步：核实品目是否在任何行业中存在。输入品目名称，列出含有该品目的行业。':
        "FAQ 4.5's first step: check whether the item exists in any industry. Type the item's name to list the industries holding it.",
    '品目、行业名称或代码': 'Item, industry name or code',
    '品目“%(item)s”在以下行业中存在：': 'The item “%(item)s” is held by these industries:',
    '纳税人开具该品目时提示不可用：请核定含有该品目的行业（主行业或附行业）。':
        'A taxpayer told the item is not available needs one of these industries assigned (main or secondary).',
    '没有行业含有品目“%(item)s”：由专管员上报（品目上报），征管科审核通过后加入行业。':
        'No industry holds the item “%(item)s”: the specialist reports it (Report an item) and the collection section approves it into an industry.',
    '上报': 'Reported',
    '行业代码': 'Industry code',
    '行业名称': 'Industry',
    'CA类型': 'CA kind',
    '该纳税人持有的号段（点击填入）': "The taxpayer's ranges (click to fill in)",
    '纳税人资料卡': 'Taxpayer cards',
    '教员用：每个纳税人的网票登录账号与起始密码、CA 类型、PC 客户端，以及它演示的常见问题。密码为创建世界时的状态，之后修改或初始化的以网票为准。':
        "For instructors: each taxpayer's online-invoice login and starting password, CA kind, PC client and the FAQ case it shows. Passwords are as the world was made; a later change or reset is what online invoicing holds.",
    '网票登录账号': 'Online-invoice login',
    '或': 'or',
    '起始密码': 'Starting password',
    '（原地税账号和密码）': '(the old local-tax account and password)',
    '（默认密码：识别号或登记序号后 6 位）': '(default: the last 6 of the tax id or the registration number)',
    '原地税密码 %(p)s 已不能使用': 'the old local-tax password %(p)s no longer works',
    'PC 客户端': 'PC client',
    '纳税人编号或名称': 'Taxpayer ref or name',
}
EN.update({
    '导航路径': 'Breadcrumb',
    '%(n)s 分钟': '%(n)s min',
    '%(n)s 小时': '%(n)s h',
    '%(n)s 天': '%(n)s d',
    # system actors in audit lists and timelines
    '场景': 'scenario',
    '命令行': 'command line',
    '接口': 'API',
    '探索器': 'explorer',
    '404 未找到：没有这个页面，或您无权查看它': '404 Not found: there is no such page, or you may not see it',
    '无法从所选历史生成探索': 'Could not make an exploration from the chosen history',
    '练习文件有误：%(file)s（字段 %(field)s）': 'The exercise file is invalid: %(file)s (field %(field)s)',
    '表单已过期或无效，请刷新页面后重试': 'The form has expired or is invalid: reload the page and try again',
})
